/*
 * Loads a DLL by path the way PHP's FFI and Python's cffi do on Windows (LoadLibrary, then
 * GetProcAddress) and calls its fiskal_version(): checks that a fiskal.dll shipped inside
 * another package (the win_amd64 Python wheel) loads and answers. Built with MinGW and run under
 * Wine by scripts/test-windows.
 *
 * Usage: load_library <path of the DLL> <expected version>
 * Exit code: 0 when the version is the expected one; 1 when it is not, or the DLL or the
 * function is missing (with the reason on stderr).
 */
#include <windows.h>

#include <stdio.h>
#include <string.h>

typedef const char *(*version_fn)(void);

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: load_library <dll> <expected version>\n");
        return 2;
    }
    HMODULE dll = LoadLibraryA(argv[1]);
    if (dll == NULL) {
        fprintf(stderr, "LoadLibrary(%s) failed: error %lu\n", argv[1], (unsigned long)GetLastError());
        return 1;
    }
    FARPROC proc = GetProcAddress(dll, "fiskal_version");
    if (proc == NULL) {
        fprintf(stderr, "%s has no export fiskal_version\n", argv[1]);
        FreeLibrary(dll);
        return 1;
    }
    version_fn version;
    /* A function pointer cast between two function types, as GetProcAddress is meant to be used. */
    memcpy(&version, &proc, sizeof version);
    const char *v = version();
    int ok = v != NULL && strcmp(v, argv[2]) == 0;
    printf("%s: fiskal_version() = %s\n", argv[1], v ? v : "(null)");
    if (!ok) fprintf(stderr, "expected %s\n", argv[2]);
    FreeLibrary(dll);
    return ok ? 0 : 1;
}
