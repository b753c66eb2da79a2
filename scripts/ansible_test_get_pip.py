"""Stand-in for the get-pip bootstrap script ansible-test downloads from its CI file host.

That host is not reachable from this project's machines (only package registries are), so
``scripts/sanity.sh`` puts this file where ansible-test caches the download. It does what
get-pip does for ansible-test: put pip into the new virtualenv (from the interpreter's own
``ensurepip`` wheel), then ``pip install`` the pinned packages ansible-test asked for, from PyPI.
"""

import ensurepip
import os
import runpy
import sys

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
environment = dict(os.environ)
ensurepip.bootstrap(upgrade=False)
# ensurepip hides pip's configuration (PIP_CONFIG_FILE=/dev/null) while it runs; the install
# below must see the machine's configuration (index, certificates) again.
os.environ.clear()
os.environ.update(environment)
sys.argv = ["pip", "install", *args]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
