/*
 * Test-only stand-in for Windows' bcryptprimitives.dll, for running the Windows builds under
 * Wine 8 (Debian 12's wine), which lacks that DLL: Rust's standard library (1.78 and later)
 * takes its random numbers from ProcessPrng in bcryptprimitives.dll (the Rust std source,
 * library/std/src/sys/random/windows.rs), so without it a Rust DLL does not load under Wine.
 * Windows 10 and later have the real DLL; this file is never shipped: scripts/test-windows
 * builds it with MinGW and puts it beside the test programs only.
 *
 * ProcessPrng(buffer, length) fills the buffer and always returns TRUE (documented at
 * https://learn.microsoft.com/en-us/windows/win32/seccng/processprng). Here the bytes come from
 * RtlGenRandom, exported by advapi32.dll as SystemFunction036
 * (https://learn.microsoft.com/en-us/windows/win32/api/ntsecapi/nf-ntsecapi-rtlgenrandom),
 * which Wine implements; it takes a ULONG length, so large requests go in chunks. A failure of
 * RtlGenRandom returns FALSE, and the caller (std) then panics rather than use unfilled bytes.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000u ? 0x10000000u : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
