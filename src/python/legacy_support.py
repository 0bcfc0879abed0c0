"""rdird's support for Director scripts in the Python 2 dialect: the syntax
tree scan that tells a Python 2 module, the builtins such a module runs
with, and the finder that loads helper modules from the scripts folder
through the same front end."""

import sys
import os
import builtins as _builtins
import _ast
from _frozen_importlib import ModuleSpec


def _walk(node):
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        for field in getattr(n, "_fields", ()):
            v = getattr(n, field, None)
            if isinstance(v, list):
                todo.extend(x for x in v if isinstance(x, _ast.AST))
            elif isinstance(v, _ast.AST):
                todo.append(v)


def scan(source, path):
    """The names the module binds anywhere, and (name, line) of every name
    and every attribute it reads."""
    tree = compile(source, path, "exec", _ast.PyCF_ONLY_AST)
    bound, names, attrs = set(), [], []
    for n in _walk(tree):
        if isinstance(n, _ast.Name):
            if isinstance(n.ctx, _ast.Load):
                names.append((n.id, n.lineno))
            else:
                bound.add(n.id)
        elif isinstance(n, (_ast.FunctionDef, _ast.AsyncFunctionDef, _ast.ClassDef)):
            bound.add(n.name)
        elif isinstance(n, _ast.arg):
            bound.add(n.arg)
        elif isinstance(n, _ast.alias):
            bound.add((n.asname or n.name).split(".")[0])
        elif isinstance(n, (_ast.Global, _ast.Nonlocal)):
            bound.update(n.names)
        elif isinstance(n, _ast.ExceptHandler) and n.name:
            bound.add(n.name)
        elif isinstance(n, _ast.Attribute):
            attrs.append((n.attr, n.lineno))
    return bound, names, attrs


def _text_pipes(kw):
    # Python 2's pipes carried str: without a say of the caller's, pipes
    # are text, and bytes that are not UTF-8 survive a round trip.
    if not any(k in kw for k in ("text", "universal_newlines", "encoding", "errors")):
        kw["encoding"] = "utf-8"
        kw["errors"] = "surrogateescape"
    return kw


def _legacy_subprocess():
    import subprocess as real
    import types

    mod = types.ModuleType("subprocess", real.__doc__)
    mod.__dict__.update({k: v for k, v in vars(real).items() if not k.startswith("__")})

    class Popen(real.Popen):
        def __init__(self, *args, **kw):
            super().__init__(*args, **_text_pipes(kw))

    mod.Popen = Popen
    mod.run = lambda *a, **kw: real.run(*a, **_text_pipes(kw))
    mod.check_output = lambda *a, **kw: real.check_output(*a, **_text_pipes(kw))
    return mod


_real_import = _builtins.__import__
_subprocess = []


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if name == "subprocess" and level == 0:
        if not _subprocess:
            _subprocess.append(_legacy_subprocess())
        return _subprocess[0]
    return _real_import(name, globals, locals, fromlist, level)


# The builtins of a Python 2 module: Python 2's names for str, int and
# range, and `import subprocess` giving pipes of str.
builtins = dict(vars(_builtins))
builtins.update(xrange=range, unicode=str, basestring=str, long=int, __import__=_import)


class ScriptsFinder:
    """Finds the helper modules in the scripts folder (top-level names
    only) and loads them through the legacy front end; every other import
    is left to the usual finders."""

    def __init__(self, folder, compile_module):
        self.folder = folder
        self.compile_module = compile_module

    def find_spec(self, name, path=None, target=None):
        if path is not None or "." in name:
            return None
        file = os.path.join(self.folder, name + ".py")
        if not os.path.isfile(file):
            return None
        return ModuleSpec(name, self, origin=file)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        file = module.__spec__.origin
        with open(file, encoding="utf-8") as f:
            source = f.read()
        code, python2 = self.compile_module(source, file)
        module.__file__ = file
        if python2:
            module.__dict__["__builtins__"] = builtins
        exec(code, module.__dict__)


def install(folder, compile_module):
    sys.meta_path.insert(0, ScriptsFinder(folder, compile_module))
