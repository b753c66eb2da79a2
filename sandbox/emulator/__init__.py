"""The AWS emulator: moto's server, extended where moto lacks what this collection drives.

``extensions.install()`` applies every extension before the server starts; each lives in its
own module of this package and is listed in ``extensions.EXTENSIONS``.
"""
