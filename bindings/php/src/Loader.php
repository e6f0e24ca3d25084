<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * Finds libfiskal and the preprocessor-free header, and gives the one FFI instance every class
 * of this package uses.
 *
 * The library is looked for, in order:
 *  1. `Loader::setLibraryPath()` (for PHP-FPM pools that clear the environment),
 *  2. the environment variable `FISKAL_LIB` (a path to `libfiskal.so`; an error if it is set
 *     and the file does not exist — a wrong path is never silently replaced by another copy),
 *  3. the package's own `lib/` directory (`bindings/php/lib/libfiskal.so`),
 *  4. the system search path (`libfiskal.so` through dlopen: `LD_LIBRARY_PATH`, ldconfig; on
 *     Windows `fiskal.dll` through LoadLibrary: php.exe's directory, the system directories,
 *     `PATH`).
 *
 * The header is `include/fiskal_php.h` of this package (`FISKAL_HEADER` overrides it).
 *
 * With `ffi.enable=preload` (PHP-FPM) the FFI API works only in preloaded code: `preload.php`
 * (opcache.preload) loads the header into the FFI scope `fiskal` and preloads these classes;
 * `ffi()` then takes the scope instead of calling `FFI::cdef`.
 */
final class Loader
{
    /** The FFI scope name used by `preload.php` and `bin/fiskal-ffi-header`. */
    public const SCOPE = 'fiskal';

    private static ?\FFI $ffi = null;
    private static ?string $libraryPath = null;

    /** Uses this library file instead of searching (call before the first fiskal call). */
    public static function setLibraryPath(string $path): void
    {
        if (self::$ffi !== null) {
            throw new LoadException('Loader::setLibraryPath() must be called before the library is loaded');
        }
        self::$libraryPath = $path;
    }

    /** The FFI instance (loaded on first use, then shared). */
    public static function ffi(): \FFI
    {
        return self::$ffi ??= self::load();
    }

    /** Whether the library is loaded already (tests, diagnostics). */
    public static function isLoaded(): bool
    {
        return self::$ffi !== null;
    }

    /** Where the FFI declarations came from: `"scope"` (preloaded) or `"cdef"`, null before loading. */
    public static function source(): ?string
    {
        return self::$source;
    }

    private static ?string $source = null;

    private static function load(): \FFI
    {
        if (!\extension_loaded('ffi')) {
            throw new LoadException('the PHP extension FFI is not loaded (php -m | grep FFI; Debian: php8.2-cli has it, enable extension=ffi)');
        }
        // A scope preloaded by preload.php or by ffi.preload (bin/fiskal-ffi-header).
        try {
            $ffi = \FFI::scope(self::SCOPE);
            self::$source = 'scope';
            return $ffi;
        } catch (\FFI\Exception $e) {
            // Not preloaded: fall through to FFI::cdef.
        }
        $lib = self::libraryPath();
        try {
            $ffi = \FFI::cdef(self::header(), $lib);
        } catch (\FFI\Exception $e) {
            if (\ini_get('ffi.enable') === 'preload' && \PHP_SAPI !== 'cli') {
                throw new LoadException(
                    'ffi.enable=preload allows FFI only in preloaded code: set opcache.preload to '
                    . \dirname(__DIR__) . '/preload.php (README: "PHP-FPM")',
                    0,
                    $e,
                );
            }
            // Not chained: PHP prints an uncaught exception's chain innermost first, and the
            // first line a user sees must be this LoadException with what to do, not FFI's.
            throw new LoadException(self::cannotLoad($lib, $e->getMessage()));
        }
        self::$source = 'cdef';
        return $ffi;
    }

    /**
     * The library to load: the explicit path, `FISKAL_LIB`, the package's `lib/`, or the bare
     * name for the system search path.
     */
    public static function libraryPath(): string
    {
        if (self::$libraryPath !== null) {
            return self::requireFile(self::$libraryPath, 'Loader::setLibraryPath()');
        }
        $env = \getenv('FISKAL_LIB');
        if (\is_string($env) && $env !== '') {
            return self::requireFile($env, 'FISKAL_LIB');
        }
        $name = self::libraryFileName();
        $bundled = \dirname(__DIR__) . '/lib/' . $name;
        if (\is_file($bundled)) {
            return $bundled;
        }
        return $name;
    }

    /** `libfiskal.so` (Linux), `libfiskal.dylib` (macOS), `fiskal.dll` (Windows). */
    public static function libraryFileName(): string
    {
        return match (\PHP_OS_FAMILY) {
            'Darwin' => 'libfiskal.dylib',
            'Windows' => 'fiskal.dll',
            default => 'libfiskal.so',
        };
    }

    /** The path of the preprocessor-free header this package ships. */
    public static function headerPath(): string
    {
        $env = \getenv('FISKAL_HEADER');
        if (\is_string($env) && $env !== '') {
            return self::requireFile($env, 'FISKAL_HEADER');
        }
        return \dirname(__DIR__) . '/include/fiskal_php.h';
    }

    /** The header text (C declarations without preprocessor directives). */
    public static function header(): string
    {
        $path = self::headerPath();
        $text = @\file_get_contents($path);
        if ($text === false) {
            throw new LoadException("cannot read the fiskal header {$path}");
        }
        return $text;
    }

    /**
     * The header with the two directives `FFI::load` understands (`FFI_SCOPE`, `FFI_LIB`) put in
     * front: what `ffi.preload` needs (bin/fiskal-ffi-header prints it).
     */
    public static function scopedHeader(?string $library = null): string
    {
        $library ??= self::libraryPath();
        if (\str_contains($library, '"') || \str_contains($library, "\n")) {
            throw new LoadException("the library path cannot be written into a header: {$library}");
        }
        if (\str_contains($library, '/')) {
            $real = \realpath($library);
            $library = $real === false ? $library : $real;
        }
        return '#define FFI_SCOPE "' . self::SCOPE . "\"\n#define FFI_LIB \"{$library}\"\n" . self::header();
    }

    /**
     * Loads the header into the FFI scope `fiskal` (from opcache.preload, see preload.php).
     * A no-op when the scope exists already (ffi.preload). Returns whether it loaded it.
     */
    public static function preloadScope(?string $library = null): bool
    {
        try {
            \FFI::scope(self::SCOPE);
            return false;
        } catch (\FFI\Exception $e) {
            // Not loaded yet.
        }
        $file = \tempnam(\sys_get_temp_dir(), 'fiskal-ffi-');
        if ($file === false) {
            throw new LoadException('cannot create a temporary file for the scoped header');
        }
        try {
            \file_put_contents($file, self::scopedHeader($library));
            if (\FFI::load($file) === null) {
                throw new LoadException('FFI::load could not load the fiskal header (see the warning above)');
            }
        } finally {
            @\unlink($file);
        }
        return true;
    }

    /** The message for a library that FFI could not load: where it was looked for and how to fix it. */
    private static function cannotLoad(string $lib, string $why): string
    {
        $bundled = \dirname(__DIR__) . '/lib/' . self::libraryFileName();
        if (self::$libraryPath !== null) {
            $from = 'Loader::setLibraryPath()';
        } elseif (\is_string(\getenv('FISKAL_LIB')) && \getenv('FISKAL_LIB') !== '') {
            $from = 'FISKAL_LIB';
        } elseif ($lib === $bundled) {
            $from = "the package's lib/";
        } else {
            $from = "the system library path (FISKAL_LIB is not set and {$bundled} does not exist)";
        }
        return "cannot load the fiskal library {$lib} from {$from}: {$why}. "
            . 'Build it (cargo build --release -p fiskal-ffi writes target/release/libfiskal_ffi.so; '
            . 'cargo cinstall installs it as ' . self::libraryFileName() . '; for Windows, scripts/build-windows '
            . 'writes target/windows/x86_64/fiskal.dll and target/windows/i686/fiskal.dll) and set FISKAL_LIB=/path/to/'
            . self::libraryFileName() . ' (the path of the file, whatever its name; PHP-FPM without preloading: env[FISKAL_LIB] in the pool; with ffi.preload: the master\'s environment), or copy it to '
            . \dirname(__DIR__) . '/lib/, or call Fiskal\\Loader::setLibraryPath() first';
    }

    private static function requireFile(string $path, string $what): string
    {
        if (!\is_file($path)) {
            throw new LoadException("{$what} names {$path}, which is not a file");
        }
        return $path;
    }
}
