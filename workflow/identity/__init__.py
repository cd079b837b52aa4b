"""Campus identity: the LDAP / Active Directory directory (bind login and sync; docs/integration.md)."""
