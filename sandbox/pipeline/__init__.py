"""What AWS does between the resources the collection creates, done locally for the sandbox.

moto stores Lambda functions, event source mappings, subscription filters and activity-stream
settings but never runs or feeds them. The pipeline process (started by ``sandbox up``) does:

- ``log_shipper``: ships the sandbox server log to ``/aws/rds/cluster/<cluster>/postgresql`` for
  clusters whose ``postgresql`` log export is on, as RDS does;
- ``das_emitter``: turns pgAudit lines into encrypted activity-stream records (the real format,
  with heartbeats, under the cluster's KMS key) in ``aws-rds-das-<resource id>`` for clusters
  whose activity stream is started;
- ``lambda_runner``: runs deployed function zips for their Kinesis event source mappings and
  their subscription filters (applying the filter pattern), with their configured environment.
"""
