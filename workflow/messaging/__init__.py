"""企业微信 and 钉钉 as notification channels beside the inbox and e-mail (docs/integration.md).

The inbox row is the source of truth (workflow.notifications); ``queue`` turns pending rows into outbox
rows of an IM channel (exactly once per notification and channel, by idempotency key), ``deliver`` sends
them through the platform clients (``wecom``, ``dingtalk``) with the same claim / back-off / ``failed``
rules as e-mail (workflow.mailer), and ``tokens`` shares access tokens between scheduler processes.
"""
