"""The finder and loader of the standard library modules rdird keeps packed
with zstd (every frozen module but the few each interpreter imports at
start-up, which RustPython's FrozenImporter finds). It sits on sys.meta_path
just after FrozenImporter and behaves like it: the module's spec says
origin 'frozen', a package gets an empty __path__ (its submodules are found
here by their full names), and there is no source. Unpacking is Rust's
(src/python/stdlib.rs): `find(name)` says whether the module is packed (None
if not, else whether it is a package), `code(name)` unpacks its code
object."""

import sys
from _frozen_importlib import FrozenImporter, spec_from_loader

_find = None
_code = None


class PackedImporter:
    """Meta path finder and loader of the packed frozen modules."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        package = _find(fullname)
        if package is None:
            return None
        return spec_from_loader(fullname, cls, origin="frozen", is_package=package)

    @staticmethod
    def create_module(spec):
        return None

    @staticmethod
    def exec_module(module):
        exec(_code(module.__spec__.name), module.__dict__)

    @classmethod
    def get_code(cls, fullname):
        return _code(fullname)

    @classmethod
    def get_source(cls, fullname):
        return None

    @classmethod
    def is_package(cls, fullname):
        package = _find(fullname)
        if package is None:
            raise ImportError(f"{fullname!r} is not a frozen module", name=fullname)
        return package


def install(find, code):
    """Puts the finder on sys.meta_path, just after FrozenImporter."""
    global _find, _code
    _find, _code = find, code
    if PackedImporter not in sys.meta_path:
        sys.meta_path.insert(sys.meta_path.index(FrozenImporter) + 1, PackedImporter)
