"""rdird's support for Director scripts in the Python 2 dialect: the syntax
tree scan that tells a Python 2 module, the builtins such a module runs
with (Python 2's names, and its library modules `string`, `commands`,
`urllib` and `urllib2` as Python 2 had them), and the finder that loads
helper modules from the scripts folder through the same front end."""

import functools
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


# Python 2's modules that Python 3 dropped, provided to Python 2 modules.
PY2_MODULES = ("commands", "urllib2")

# The functions of Python 2's string and urllib modules that Python 3's
# have not, by module.
PY2_FUNCTIONS = {}
PY2_FUNCTIONS["string"] = (
    "atof", "atoi", "atol", "capitalize", "center", "count", "expandtabs",
    "find", "index", "join", "joinfields", "ljust", "lower", "lstrip",
    "maketrans", "replace", "rfind", "rindex", "rjust", "rsplit", "rstrip",
    "split", "splitfields", "strip", "swapcase", "translate", "upper",
    "zfill",
)
PY2_FUNCTIONS["urllib"] = (
    "quote", "quote_plus", "unquote", "unquote_plus", "urlencode",
    "urlopen", "urlretrieve",
)


def scan(source, path):
    """The names the module binds anywhere; (name, line) of every name and
    every attribute it reads; and (name, line) of each use of Python 2's
    library: an import of a module of PY2_MODULES, a `string.split` or
    `urllib.urlencode` of PY2_FUNCTIONS where `string` or `urllib` is only
    ever the imported module."""
    tree = compile(source, path, "exec", _ast.PyCF_ONLY_AST)
    bound, names, attrs = set(), [], []
    # Names bound otherwise than by an import (`string = "x"`).
    assigned = set()
    library, calls = [], []
    for n in _walk(tree):
        if isinstance(n, _ast.Name):
            if isinstance(n.ctx, _ast.Load):
                names.append((n.id, n.lineno))
            else:
                bound.add(n.id)
                assigned.add(n.id)
        elif isinstance(n, (_ast.FunctionDef, _ast.AsyncFunctionDef, _ast.ClassDef)):
            bound.add(n.name)
            assigned.add(n.name)
        elif isinstance(n, _ast.arg):
            bound.add(n.arg)
            assigned.add(n.arg)
        elif isinstance(n, _ast.alias):
            bound.add((n.asname or n.name).split(".")[0])
        elif isinstance(n, (_ast.Global, _ast.Nonlocal)):
            bound.update(n.names)
        elif isinstance(n, _ast.ExceptHandler) and n.name:
            bound.add(n.name)
            assigned.add(n.name)
        elif isinstance(n, _ast.Attribute):
            attrs.append((n.attr, n.lineno))
            if isinstance(n.value, _ast.Name) and n.attr in PY2_FUNCTIONS.get(n.value.id, ()):
                calls.append((n.value.id, n.attr, n.lineno))
        if isinstance(n, _ast.Import):
            library.extend((a.name, n.lineno) for a in n.names if a.name in PY2_MODULES)
        elif isinstance(n, _ast.ImportFrom) and n.level == 0 and n.module in PY2_MODULES:
            library.append((n.module, n.lineno))
    library.extend((m + "." + f, line) for m, f, line in calls if m not in assigned)
    return bound, names, attrs, sorted(library, key=lambda use: use[1])


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


def _text(data):
    # What Python 2 sent as str goes out as its UTF-8 bytes.
    return data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data


def _legacy_string():
    import string as real
    import types

    mod = types.ModuleType("string", real.__doc__)
    mod.__dict__.update({k: v for k, v in vars(real).items() if not k.startswith("__")})

    def number(convert):
        def parse(s, base=10):
            return convert(s, base)

        return parse

    def split(s, sep=None, maxsplit=-1):
        return s.split(sep, maxsplit)

    def rsplit(s, sep=None, maxsplit=-1):
        return s.rsplit(sep, maxsplit)

    def join(words, sep=" "):
        return sep.join(words)

    def translate(s, table, deletions=""):
        if deletions:
            s = s.translate({ord(c): None for c in deletions})
        return s.translate(table) if table is not None else s

    mod.__dict__.update(
        atof=float,
        atoi=number(int),
        atol=number(int),
        capitalize=str.capitalize,
        center=str.center,
        count=str.count,
        expandtabs=str.expandtabs,
        find=str.find,
        index=str.index,
        join=join,
        joinfields=join,
        ljust=str.ljust,
        lower=str.lower,
        lstrip=str.lstrip,
        maketrans=str.maketrans,
        replace=str.replace,
        rfind=str.rfind,
        rindex=str.rindex,
        rjust=str.rjust,
        rsplit=rsplit,
        rstrip=str.rstrip,
        split=split,
        splitfields=split,
        strip=str.strip,
        swapcase=str.swapcase,
        translate=translate,
        upper=str.upper,
        zfill=str.zfill,
        letters=real.ascii_letters,
        lowercase=real.ascii_lowercase,
        uppercase=real.ascii_uppercase,
    )
    return mod


def _legacy_commands():
    import subprocess
    import types

    mod = types.ModuleType("commands", "Python 2's commands module, on subprocess.")

    def getstatusoutput(cmd):
        # As Python 2 ran it: the shell, standard error with standard
        # output, one trailing newline dropped, and the status as
        # os.wait gives it (the exit code times 256, or the signal).
        p = subprocess.run(
            ["/bin/sh", "-c", "{ " + cmd + "\n} 2>&1"],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            encoding="utf-8",
            errors="surrogateescape",
        )
        text = p.stdout[:-1] if p.stdout.endswith("\n") else p.stdout
        status = -p.returncode if p.returncode < 0 else p.returncode << 8
        return status, text

    def getoutput(cmd):
        return getstatusoutput(cmd)[1]

    mod.getstatusoutput = getstatusoutput
    mod.getoutput = getoutput
    return mod


class _TextResponse:
    """A response whose body reads as str, as Python 2's did."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._real.close()

    def __iter__(self):
        return (_str(line) for line in self._real)

    def read(self, *args):
        return _str(self._real.read(*args))

    def readline(self, *args):
        return _str(self._real.readline(*args))

    def readlines(self, *args):
        return [_str(line) for line in self._real.readlines(*args)]


def _urlopen(url, data=None, *args, **kw):
    import urllib.request

    return _TextResponse(urllib.request.urlopen(url, _text(data), *args, **kw))


def _legacy_urllib2():
    import urllib.request as request
    import urllib.error as error
    import types

    mod = types.ModuleType("urllib2", "Python 2's urllib2, on urllib.request.")
    mod.__dict__.update({k: v for k, v in vars(request).items() if not k.startswith("__")})

    class Request(request.Request):
        def __init__(self, url, data=None, headers={}, *args, **kw):
            super().__init__(url, _text(data), headers, *args, **kw)

    Request.__module__ = "urllib2"
    mod.__dict__.update(
        Request=Request,
        urlopen=_urlopen,
        URLError=error.URLError,
        HTTPError=error.HTTPError,
    )
    return mod


def _legacy_urllib():
    import urllib
    import urllib.error
    import urllib.parse as parse
    import urllib.request as request
    import types

    mod = types.ModuleType("urllib", "Python 2's urllib, on urllib.parse and urllib.request.")
    mod.__dict__.update({k: v for k, v in vars(urllib).items() if not k.startswith("__")})
    mod.__dict__.update(
        parse=parse,
        request=request,
        error=urllib.error,
        quote=parse.quote,
        quote_plus=parse.quote_plus,
        unquote=parse.unquote,
        unquote_plus=parse.unquote_plus,
        urlencode=parse.urlencode,
        urlopen=_urlopen,
        urlretrieve=request.urlretrieve,
    )
    return mod


def _str(data):
    return data.decode("utf-8", "surrogateescape")


# Files whose last print statement ended in a comma (Python 2's softspace).
_softspace = set()


def _py2_print(*items, soft=False, file=None):
    """Python 2's print statement, which legacy.rs rewrites to this: items
    written one by one with a space between them and before the first when
    the last print statement to that file ended in a comma, no space after
    an item that ends in a newline or a tab, and a newline at the end
    unless the statement ends in a comma (`soft`)."""
    out = sys.stdout if file is None else file
    pending = id(out) in _softspace
    _softspace.discard(id(out))
    for item in items:
        text = item if isinstance(item, str) else str(item)
        if pending:
            out.write(" ")
        out.write(text)
        pending = not (text[-1:].isspace() and text[-1:] != " ")
    if not soft:
        out.write("\n")
    elif pending:
        _softspace.add(id(out))


_real_import = _builtins.__import__
# The modules a Python 2 module gets for its imports, built at first use.
_LEGACY_MODULES = {
    "subprocess": _legacy_subprocess,
    "string": _legacy_string,
    "commands": _legacy_commands,
    "urllib2": _legacy_urllib2,
    "urllib": _legacy_urllib,
}
_legacy = {}


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if name in _LEGACY_MODULES and level == 0:
        if name not in _legacy:
            _legacy[name] = _LEGACY_MODULES[name]()
        return _legacy[name]
    return _real_import(name, globals, locals, fromlist, level)


# The builtins of a Python 2 module: its print statement, Python 2's names
# for str, int, range, open, input, functools.reduce and chr, its cmp, and
# its imports of subprocess (pipes of str), string, commands, urllib and
# urllib2.
builtins = dict(vars(_builtins))
builtins.update(
    xrange=range,
    unicode=str,
    basestring=str,
    long=int,
    file=open,
    raw_input=input,
    reduce=functools.reduce,
    unichr=chr,
    cmp=lambda a, b: (a > b) - (a < b),
    _py2_print=_py2_print,
    __import__=_import,
)


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
