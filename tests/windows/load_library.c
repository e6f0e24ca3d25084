/*
 * Loads a DLL by path the way PHP's FFI and Python's cffi do on Windows (LoadLibrary, then
 * GetProcAddress), calls its fiskal_version(), and looks up every other function named on the
 * command line: checks that a fiskal.dll shipped inside another package (the win_amd64 Python
 * wheel) loads, answers, and exports each function its caller declares (for the wheel: every
 * function of cffi's declarations in fiskal/_native/ffi.py). Built with MinGW and run under Wine
 * by scripts/test-windows.
 *
 * Usage: load_library <path of the DLL> <expected version> [function name...]
 * Exit code: 0 when the version is the expected one and every named function is exported; 1
 * when not, or the DLL or fiskal_version is missing (each reason on stderr); 2 for bad usage.
 */
#include <windows.h>

#include <stdio.h>
#include <string.h>

typedef const char *(*version_fn)(void);

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: load_library <dll> <expected version> [function...]\n");
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
    int missing = 0;
    for (int i = 3; i < argc; i++) {
        if (GetProcAddress(dll, argv[i]) == NULL) {
            fprintf(stderr, "%s has no export %s\n", argv[1], argv[i]);
            missing++;
        }
    }
    if (argc > 3) {
        printf("%s: %d of %d named functions exported\n", argv[1], argc - 3 - missing, argc - 3);
    }
    FreeLibrary(dll);
    return ok && missing == 0 ? 0 : 1;
}
