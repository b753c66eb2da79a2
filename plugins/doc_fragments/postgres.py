# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of every PostgreSQL module (module_utils/postgres_connection.py).
    DOCUMENTATION = r"""
options:
  login_host:
    description:
      - Host name or IP address of the PostgreSQL server (for RDS and Aurora, the instance or cluster endpoint).
      - When not set, the E(PGHOST) environment variable is used; without either, libpq connects through
        its default Unix socket.
    type: str
  login_port:
    description:
      - Port of the server. When not set, the E(PGPORT) environment variable is used.
    type: int
    default: 5432
  login_user:
    description:
      - The role the module logs in as. It needs the rights of what it changes (superuser, or
        C(rds_superuser) on RDS and Aurora). When not set, the E(PGUSER) environment variable is used.
    type: str
    default: postgres
  login_password:
    description:
      - The password of O(login_user). When not set, the E(PGPASSWORD) environment variable is used
        (libpq also reads C(~/.pgpass)). Not needed with O(login_iam_auth=true).
    type: str
  login_db:
    description:
      - The database the module connects to. Modules that work in several databases connect to each in turn
        and use this one for server-wide reads. When not set, the E(PGDATABASE) environment variable is used.
    type: str
    default: postgres
  login_unix_socket:
    description:
      - Directory of the server's Unix domain socket, used when O(login_host) is not set or is C(localhost).
    type: str
  ssl_mode:
    description:
      - Whether or with what priority an SSL connection is negotiated, as libpq's C(sslmode).
        When not set, the E(PGSSLMODE) environment variable is used.
      - See U(https://www.postgresql.org/docs/current/libpq-ssl.html). RDS IAM authentication needs SSL.
    type: str
    default: prefer
    choices: [allow, disable, prefer, require, verify-ca, verify-full]
  ca_cert:
    description:
      - File of the certificate authorities that signed the server's certificate, for O(ssl_mode=verify-ca)
        and O(ssl_mode=verify-full) (for RDS, the region's certificate bundle). When not set, the
        E(PGSSLROOTCERT) environment variable is used.
    type: path
  connect_params:
    description:
      - Further libpq connection parameters (for example C(connect_timeout), C(application_name),
        C(options)). They take precedence over the options above. The connect timeout is 10 seconds unless
        set here.
    type: dict
    default: {}
  login_iam_auth:
    description:
      - Log in with an RDS IAM authentication token instead of a password. The module generates the token with
        boto3 (C(generate_db_auth_token)) for O(login_host), O(login_port) and O(login_user), signed locally with
        the AWS credentials of the host that runs the module; O(login_password) is ignored.
      - The database role needs the C(rds_iam) role and the AWS identity the C(rds-db:connect) permission.
    type: bool
    default: false
  aws_region:
    description:
      - AWS region of the database, for O(login_iam_auth). When not set, the E(AWS_REGION) or
        E(AWS_DEFAULT_REGION) environment variable, or the profile's region, is used.
    type: str
  aws_profile:
    description:
      - AWS profile whose credentials sign the token, for O(login_iam_auth). When not set, the E(AWS_PROFILE)
        environment variable or boto3's default credential chain is used.
    type: str
notes:
  - Connection failures are reported in one line naming the host, port, user and database and the server's reason.
requirements:
  - psycopg2 (or psycopg2-binary) >= 2.8
  - boto3, for O(login_iam_auth=true)
"""
