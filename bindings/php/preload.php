<?php

/*
 * opcache.preload script for PHP-FPM with ffi.enable=preload (README, "PHP-FPM").
 *
 *   opcache.preload=/path/to/vendor/fiskal/fiskal/preload.php
 *   opcache.preload_user=www-data          ; when the master runs as root
 *
 * 1. Loads the fiskal header into the FFI scope "fiskal" (FFI::load of the header with
 *    FFI_SCOPE/FFI_LIB put in front), unless ffi.preload did that already;
 * 2. preloads every class of the package. With ffi.enable=preload only preloaded code may use
 *    the FFI API (FFI::addr, FFI::string, …), so the classes must be preloaded too: loading the
 *    scope alone (ffi.preload) is not enough.
 *
 * The library is found as at run time (Loader::libraryPath): FISKAL_LIB in the environment of the
 * FPM master, the package's lib/, or the system path.
 */

declare(strict_types=1);

require __DIR__ . '/autoload.php';

Fiskal\Loader::preloadScope();

foreach (glob(__DIR__ . '/src/*.php') ?: [] as $file) {
    $class = 'Fiskal\\' . basename($file, '.php');
    if (!class_exists($class) && !interface_exists($class)) {
        throw new RuntimeException("preload: {$file} does not declare {$class}");
    }
}
