"""The 信息公开保密审查审批表: the paper record of one item's review, its check against the audit trail,
its print view and PDF, and the archive export (docs/records.md).

``model`` builds the record from the database (what the table shows) and from the audit events (what the
chain attests), ``verify`` compares the two and the digest a printed record carries in its QR code,
``render`` makes the HTML and the PDF, ``archive`` writes a period's records as one zip.
"""
