"""The local sandbox: a real PostgreSQL 15 with pgAudit and an AWS emulator on loopback."""
