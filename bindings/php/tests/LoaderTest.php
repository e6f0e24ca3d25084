<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use Fiskal\Fiskal;
use Fiskal\Loader;
use PHPUnit\Framework\TestCase;

/** The shipped header, the library search and the version. */
final class LoaderTest extends TestCase
{
    public function testShippedHeaderEqualsTheRepositoryHeaderByteForByte(): void
    {
        $repo = Support::repoRoot() . '/include/fiskal_php.h';
        self::assertFileExists($repo);
        self::assertSame(
            hash_file('sha256', $repo),
            hash_file('sha256', Loader::headerPath()),
            'bindings/php/include/fiskal_php.h differs from include/fiskal_php.h: '
            . 'FISKAL_REGENERATE=1 bash scripts/test-php copies it over',
        );
        self::assertSame(file_get_contents($repo), Loader::header());
    }

    public function testHeaderHasNoPreprocessorDirectives(): void
    {
        self::assertDoesNotMatchRegularExpression('/^\s*#/m', Loader::header());
    }

    public function testEveryFunctionOfTheHeaderResolves(): void
    {
        // FFI::cdef looks up every declared function when it loads (and throws "Failed
        // resolving C function" for a missing export), so loading is the check.
        $ffi = \FFI::cdef(Loader::header(), Loader::libraryPath());
        self::assertInstanceOf(\FFI::class, $ffi);
        preg_match_all('/^[a-z_][a-z0-9_ *]*?\b(fiskal_[a-z0-9_]+)\(/m', Loader::header(), $m);
        self::assertGreaterThanOrEqual(20, count(array_unique($m[1])), 'functions declared in the header');
    }

    /**
     * Without the library, the first call throws the documented LoadException (never a raw
     * FFI\Exception, also not as the first link of the chain PHP prints) with what to do.
     */
    public function testAMissingLibraryIsALoadExceptionThatNamesFiskalLib(): void
    {
        $pkg = dirname(__DIR__);
        $copy = sys_get_temp_dir() . '/fiskal-php-nolib-' . getmypid();
        @mkdir($copy);
        foreach (['src', 'include'] as $dir) {
            @mkdir("{$copy}/{$dir}");
            foreach (glob("{$pkg}/{$dir}/*") ?: [] as $f) {
                copy($f, "{$copy}/{$dir}/" . basename($f));
            }
        }
        copy("{$pkg}/autoload.php", "{$copy}/autoload.php");
        $env = array_filter(getenv(), fn ($k) => !in_array($k, ['FISKAL_LIB', 'LD_LIBRARY_PATH'], true), ARRAY_FILTER_USE_KEY);
        $script = 'require $argv[1]; '
            . 'try { Fiskal\Fiskal::version(); echo "loaded?!\n"; } '
            . 'catch (Throwable $e) { echo get_class($e), "|", $e->getPrevious() === null ? "-" : get_class($e->getPrevious()), "|", $e->getMessage(), "\n"; } '
            . 'Fiskal\Fiskal::version();';
        $p = proc_open([PHP_BINARY, '-d', 'ffi.enable=1', '-d', 'display_errors=stderr', '-r', $script, "{$copy}/autoload.php"],
            [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
        self::assertIsResource($p);
        $out = (string) stream_get_contents($pipes[1]);
        $err = (string) stream_get_contents($pipes[2]);
        $code = proc_close($p);
        array_map('unlink', glob("{$copy}/*/*") ?: []);
        array_map('rmdir', glob("{$copy}/*", GLOB_ONLYDIR) ?: []);
        @unlink("{$copy}/autoload.php");
        @rmdir($copy);

        [$class, $previous, $message] = explode('|', trim($out), 3) + ['', '', ''];
        self::assertSame('Fiskal\LoadException', $class, $out . $err);
        self::assertSame('-', $previous, 'no FFI\Exception in the chain');
        self::assertStringContainsString('FISKAL_LIB is not set', $message);
        self::assertStringContainsString('set FISKAL_LIB=/path/to/libfiskal.so', $message);
        // How to get the Windows build, whose file name the loader looks for there.
        self::assertStringContainsString('scripts/build-windows writes target/windows/x86_64/fiskal.dll', $message);
        // Uncaught, the first thing PHP prints is the LoadException.
        self::assertNotSame(0, $code);
        self::assertStringContainsString('Uncaught Fiskal\\LoadException: cannot load the fiskal library', $err);
        self::assertStringNotContainsString('FFI\Exception', $err);
    }

    public function testLibraryComesFromFiskalLib(): void
    {
        $env = getenv('FISKAL_LIB');
        self::assertNotFalse($env, 'scripts/test-php sets FISKAL_LIB to the library under test');
        self::assertSame($env, Loader::libraryPath());
    }

    public function testScopedHeaderStartsWithTheTwoDirectives(): void
    {
        $h = Loader::scopedHeader('/opt/fiskal/libfiskal.so');
        self::assertStringStartsWith("#define FFI_SCOPE \"fiskal\"\n#define FFI_LIB \"/opt/fiskal/libfiskal.so\"\n", $h);
        self::assertStringEndsWith(Loader::header(), $h);
    }

    public function testVersionIsTheCargoVersion(): void
    {
        self::assertSame(Support::cargoVersion(), Fiskal::version());
        $info = Fiskal::info();
        self::assertSame(1, $info['version']);
        self::assertSame(Support::cargoVersion(), $info['library_version']);
        self::assertSame(['1.05', '1.2'], $info['ffd_versions']);
        self::assertContains('to_tlv', $info['operations']);
    }

    public function testCallByName(): void
    {
        self::assertSame(Fiskal::info(), Fiskal::call('version', '{}'));
        $json = Fiskal::callJson('version', new \stdClass());
        self::assertStringStartsWith('{"version":1,', $json);
    }
}
