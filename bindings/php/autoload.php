<?php

/*
 * A PSR-4 autoloader for Fiskal\ → src/, for use without Composer:
 *   require '/path/to/bindings/php/autoload.php';
 * (With Composer, vendor/autoload.php does the same.)
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'Fiskal\\', 7) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, 7)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
