#!/usr/bin/env python3
"""Checks the win_amd64 cffi wheel of bindings/python on Linux, where no Windows Python runs.

What can be checked without a Windows CPython (none comes from PyPI or Debian):

* the file name and the WHEEL file: tag ``py3-none-win_amd64`` and nothing else, not purelib;
* METADATA: the name ``fiskal``, the expected version, ``cffi`` as a dependency;
* RECORD: every member listed once, every listed member present, each hash and size right
  (https://packaging.python.org/en/latest/specifications/recording-installed-packages/#the-record-file);
* the pure-Python package: every ``.py`` of ``bindings/python/python/fiskal`` is in the wheel;
* the loader ``fiskal/_native/__init__.py`` (written by maturin) opens a library that the wheel
  carries beside it, and that library is a Windows x86-64 image (PE32+, machine 0x8664:
  https://learn.microsoft.com/en-us/windows/win32/debug/pe-format#machine-types);
* cffi's declarations ``fiskal/_native/ffi.py``: the functions they declare (the entries of its
  ``_globals`` table whose opcode is ``OP_DLOPEN_FUNC``, 35, in cffi's ``cffi_opcode.py``).

It writes the library, its file name (library.txt) and the list of declared functions
(functions.txt, one a line) into DEST, so that
scripts/test-windows can load that library under Wine and look every function up
(tests/windows/load_library.c): what cffi's ``ffi.dlopen`` and the first call of each function
do on Windows.

Usage: check_wheel.py WHEEL VERSION SOURCE_PACKAGE_DIR DEST
       check_wheel.py --self-test
Exit code 0 when every check passes; 1 with the failed check on stderr.
"""

import ast
import base64
import hashlib
import os
import re
import struct
import sys
import tempfile
import zipfile

TAG = "py3-none-win_amd64"
# cffi/cffi_opcode.py: OP_DLOPEN_FUNC, the opcode of a function in an ABI-mode (dlopen) module.
OP_DLOPEN_FUNC = 35
# The PE machine type of x86-64 images.
MACHINE_AMD64 = 0x8664


class WheelError(Exception):
    """A failed check; the message names the member and what is wrong."""


def _record_digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _pe_machine(data):
    """The machine field of a PE image, or None when DATA is not one."""
    if len(data) < 0x40 or data[:2] != b"MZ":
        return None
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    if len(data) < pe_offset + 6 or data[pe_offset:pe_offset + 4] != b"PE\0\0":
        return None
    (machine,) = struct.unpack_from("<H", data, pe_offset + 4)
    return machine


def declared_functions(ffi_source):
    """The function names in cffi's out-of-line ABI-mode module (the text of ffi.py)."""
    tree = ast.parse(ffi_source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "_globals":
                    items = ast.literal_eval(kw.value)
                    names = []
                    # (b'<4-byte opcode><name>', value) pairs; the opcode is big-endian
                    # (arg << 8) | op.
                    for entry in items[0::2]:
                        if not isinstance(entry, bytes) or len(entry) < 5:
                            raise WheelError("ffi.py: a _globals entry is not <opcode><name>: %r" % (entry,))
                        if entry[3] == OP_DLOPEN_FUNC:
                            names.append(entry[4:].decode("ascii"))
                    return names
    raise WheelError("ffi.py: no _globals table (not a cffi ABI-mode module)")


def check(wheel_path, version, source_dir, dest):
    """Runs every check; returns (library path in DEST, declared function names)."""
    name = os.path.basename(wheel_path)
    want_name = "fiskal-%s-%s.whl" % (version, TAG)
    if name != want_name:
        raise WheelError("file name %s, expected %s" % (name, want_name))
    with zipfile.ZipFile(wheel_path) as z:
        bad = z.testzip()
        if bad is not None:
            raise WheelError("corrupt member %s" % bad)
        names = z.namelist()
        if len(set(names)) != len(names):
            raise WheelError("a member is stored twice")
        dist_info = "fiskal-%s.dist-info" % version

        wheel_meta = z.read(dist_info + "/WHEEL").decode() if dist_info + "/WHEEL" in names else None
        if wheel_meta is None:
            raise WheelError("no %s/WHEEL" % dist_info)
        fields = [line.split(":", 1) for line in wheel_meta.splitlines() if ":" in line]
        tags = [v.strip() for k, v in fields if k == "Tag"]
        if tags != [TAG]:
            raise WheelError("WHEEL tags %s, expected [%s]" % (tags, TAG))
        if [v.strip() for k, v in fields if k == "Root-Is-Purelib"] != ["false"]:
            raise WheelError("WHEEL: Root-Is-Purelib is not false (the wheel carries a DLL)")

        metadata = z.read(dist_info + "/METADATA").decode()
        meta = [line.split(":", 1) for line in metadata.splitlines() if ":" in line]
        if [v.strip() for k, v in meta if k == "Name"] != ["fiskal"]:
            raise WheelError("METADATA: Name is not fiskal")
        if [v.strip() for k, v in meta if k == "Version"] != [version]:
            raise WheelError("METADATA: Version is not %s" % version)
        if not any(k == "Requires-Dist" and v.strip().startswith("cffi") for k, v in meta):
            raise WheelError("METADATA: no Requires-Dist on cffi")

        record_name = dist_info + "/RECORD"
        if record_name not in names:
            raise WheelError("no %s" % record_name)
        listed = {}
        for line in z.read(record_name).decode().splitlines():
            path, digest, size = line.rsplit(",", 2)
            if path in listed:
                raise WheelError("RECORD lists %s twice" % path)
            listed[path] = (digest, size)
        if set(listed) != set(names):
            raise WheelError("RECORD and the members differ: only in RECORD %s, only in the zip %s"
                             % (sorted(set(listed) - set(names)), sorted(set(names) - set(listed))))
        for path, (digest, size) in listed.items():
            if path == record_name:
                if digest or size:
                    raise WheelError("RECORD carries a hash of itself")
                continue
            data = z.read(path)
            if digest != _record_digest(data):
                raise WheelError("RECORD hash of %s" % path)
            if size != str(len(data)):
                raise WheelError("RECORD size of %s: %s, the member has %d bytes" % (path, size, len(data)))

        for py in sorted(f for f in os.listdir(source_dir) if f.endswith(".py")):
            if "fiskal/" + py not in names:
                raise WheelError("fiskal/%s of the package is not in the wheel" % py)

        loader = z.read("fiskal/_native/__init__.py").decode() if "fiskal/_native/__init__.py" in names else ""
        opened = re.findall(r"ffi\.dlopen\(os\.path\.join\(os\.path\.dirname\(__file__\), '([^']+)'\)\)", loader)
        if len(opened) != 1:
            raise WheelError("fiskal/_native/__init__.py does not open one library beside it")
        library = "fiskal/_native/" + opened[0]
        if library not in names:
            raise WheelError("fiskal/_native/__init__.py opens %s, which the wheel lacks" % library)
        image = z.read(library)
        machine = _pe_machine(image)
        if machine != MACHINE_AMD64:
            raise WheelError("%s is not a Windows x86-64 image (machine %s)" % (library, machine))

        if "fiskal/_native/ffi.py" not in names:
            raise WheelError("no fiskal/_native/ffi.py (cffi's declarations)")
        functions = declared_functions(z.read("fiskal/_native/ffi.py").decode())
        if "fiskal_version" not in functions:
            raise WheelError("ffi.py does not declare fiskal_version")

    os.makedirs(dest, exist_ok=True)
    out = os.path.join(dest, os.path.basename(library))
    with open(out, "wb") as f:
        f.write(image)
    with open(os.path.join(dest, "functions.txt"), "w") as f:
        f.write("".join(fn + "\n" for fn in functions))
    with open(os.path.join(dest, "library.txt"), "w") as f:
        f.write(os.path.basename(library) + "\n")
    return out, functions


# ---- self-test: a good synthetic wheel passes, each broken one fails on its own check ----------

def _fake_image(machine):
    data = bytearray(0x80)
    data[:2] = b"MZ"
    struct.pack_into("<I", data, 0x3C, 0x40)
    data[0x40:0x44] = b"PE\0\0"
    struct.pack_into("<H", data, 0x44, machine)
    return bytes(data)


def _fake_ffi(functions):
    entries = []
    for i, fn in enumerate(functions):
        entries.append(bytes([0, 0, i, OP_DLOPEN_FUNC]) + fn.encode())
        entries.append(0)
    entries.append(b"\xff\xff\xff\x0bFISKAL_RESULT_OK")
    entries.append(0)
    return "import _cffi_backend\n\nffi = _cffi_backend.FFI('ffi', _version=0x2601, _globals=%r)\n" % (tuple(entries),)


def _write_wheel(path, version, members, record_edit=None):
    dist_info = "fiskal-%s.dist-info" % version
    record_name = dist_info + "/RECORD"
    lines = ["%s,%s,%d" % (n, _record_digest(d), len(d)) for n, d in members.items()]
    lines.append(record_name + ",,")
    if record_edit:
        lines = record_edit(lines)
    with zipfile.ZipFile(path, "w") as z:
        for n, d in members.items():
            z.writestr(n, d)
        z.writestr(record_name, "\n".join(lines) + "\n")


def _members(version):
    dist_info = "fiskal-%s.dist-info" % version
    m = {
        "fiskal/__init__.py": b"",
        "fiskal/_api.py": b"",
        "fiskal/_native/__init__.py": (
            b'__all__ = ["lib", "ffi"]\n\nimport os\nfrom .ffi import ffi\n\n'
            b"lib = ffi.dlopen(os.path.join(os.path.dirname(__file__), 'native.dll'))\ndel os\n"),
        "fiskal/_native/ffi.py": _fake_ffi(["fiskal_version", "fiskal_validate"]).encode(),
        "fiskal/_native/native.dll": _fake_image(MACHINE_AMD64),
        dist_info + "/WHEEL": ("Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: %s\n" % TAG).encode(),
        dist_info + "/METADATA": ("Metadata-Version: 2.1\nName: fiskal\nVersion: %s\nRequires-Dist: cffi>=1.15\n" % version).encode(),
    }
    return m


def self_test():
    version = "1.2.3"
    dist_info = "fiskal-%s.dist-info" % version
    good_name = "fiskal-%s-%s.whl" % (version, TAG)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        os.makedirs(src)
        for py in ("__init__.py", "_api.py"):
            open(os.path.join(src, py), "w").close()

        def run(name, members, record_edit=None):
            path = os.path.join(tmp, name)
            _write_wheel(path, version, members, record_edit)
            try:
                return check(path, version, src, os.path.join(tmp, "out"))
            finally:
                os.remove(path)

        lib, fns = run(good_name, _members(version))
        assert os.path.basename(lib) == "native.dll" and fns == ["fiskal_version", "fiskal_validate"], (lib, fns)
        with open(os.path.join(tmp, "out", "functions.txt")) as f:
            assert f.read() == "fiskal_version\nfiskal_validate\n"
        with open(os.path.join(tmp, "out", "library.txt")) as f:
            assert f.read() == "native.dll\n"

        m_wheel = dict(_members(version))
        m_wheel[dist_info + "/WHEEL"] = ("Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: py3-none-any\n").encode()
        m_machine = dict(_members(version))
        m_machine["fiskal/_native/native.dll"] = _fake_image(0x14C)  # i386
        m_loader = dict(_members(version))
        m_loader["fiskal/_native/__init__.py"] = m_loader["fiskal/_native/__init__.py"].replace(b"native.dll", b"native.so")
        m_nofn = dict(_members(version))
        m_nofn["fiskal/_native/ffi.py"] = _fake_ffi(["fiskal_validate"]).encode()
        m_nopy = dict(_members(version))
        del m_nopy["fiskal/_api.py"]
        m_meta = dict(_members(version))
        m_meta[dist_info + "/METADATA"] = b"Metadata-Version: 2.1\nName: fiskal\nVersion: 1.2.3\n"

        def bad_hash(lines):
            return [l.replace("sha256=", "sha256=A", 1) if l.startswith("fiskal/_native/native.dll") else l
                    for l in lines]

        def unlisted(lines):
            return [l for l in lines if not l.startswith("fiskal/_api.py")]

        cases = [
            ("file name", "fiskal-%s-py3-none-any.whl" % version, _members(version), None, "file name"),
            ("WHEEL tag", good_name, m_wheel, None, "WHEEL tags"),
            ("RECORD hash", good_name, _members(version), bad_hash, "RECORD hash of fiskal/_native/native.dll"),
            ("RECORD listing", good_name, _members(version), unlisted, "RECORD and the members differ"),
            ("PE machine", good_name, m_machine, None, "is not a Windows x86-64 image"),
            ("loader target", good_name, m_loader, None, "which the wheel lacks"),
            ("fiskal_version declared", good_name, m_nofn, None, "does not declare fiskal_version"),
            ("package module", good_name, m_nopy, None, "fiskal/_api.py of the package"),
            ("cffi dependency", good_name, m_meta, None, "Requires-Dist on cffi"),
        ]
        for what, name, members, edit, expect in cases:
            try:
                run(name, members, edit)
            except WheelError as e:
                assert expect in str(e), "%s: failed with %r, expected %r" % (what, str(e), expect)
            else:
                raise AssertionError("%s: a broken wheel passed" % what)
    print("check_wheel.py self-test: a good wheel passes, %d broken ones fail on their check" % len(cases))


def main(argv):
    if argv[1:] == ["--self-test"]:
        self_test()
        return 0
    if len(argv) != 5:
        print(__doc__.split("\n\n")[-2], file=sys.stderr)
        return 2
    try:
        lib, functions = check(argv[1], argv[2], argv[3], argv[4])
    except (WheelError, KeyError, ValueError, zipfile.BadZipFile) as e:
        print("check_wheel.py: %s: %s" % (os.path.basename(argv[1]), e), file=sys.stderr)
        return 1
    print("%s: tag %s, METADATA and RECORD verified; %s (x86-64) declares %d functions"
          % (os.path.basename(argv[1]), TAG, os.path.basename(lib), len(functions)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
