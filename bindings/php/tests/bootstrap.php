<?php

/*
 * Test bootstrap: the package's own PSR-4 autoloader (no Composer install needed) plus the
 * test helpers. Environment:
 *   FISKAL_LIB          the libfiskal.so under test (scripts/test-php sets it)
 *   FISKAL_VECTORS      tests/vectors of the repository (default: ../../tests/vectors)
 *   FISKAL_REPO         the repository root (default: ../..): the package's include/fiskal_php.h
 *                       must equal its include/fiskal_php.h byte for byte (LoaderTest)
 *   FISKAL_ATOL_URL     a running ATOL emulator (http://127.0.0.1:PORT/), for ClientTest/OutboxTest
 */

declare(strict_types=1);

require dirname(__DIR__) . '/autoload.php';

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'Fiskal\\Tests\\', 13) === 0) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, 13)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
