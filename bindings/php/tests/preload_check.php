<?php

/*
 * Run by scripts/test-php under opcache.preload=preload.php with ffi.enable=preload, as the CLI
 * and as php-cgi (which, unlike the CLI, enforces the preload restriction as PHP-FPM does).
 * The sample receipt is $FISKAL_SAMPLE. Prints "preload ok source=scope …" or fails.
 */

declare(strict_types=1);

use Fiskal\Loader;
use Fiskal\Receipt;

if (!class_exists(Loader::class, false)) {
    throw new RuntimeException('Fiskal\Loader is not preloaded');
}
$hex = Receipt::toTlv((string) file_get_contents((string) getenv('FISKAL_SAMPLE')))['hex'];
try {
    Receipt::validate('{"version":1}');
    throw new RuntimeException('an invalid receipt was accepted');
} catch (Fiskal\FiskalException $e) {
    $code = $e->getCode();
}
// A handle class too (FFI::addr and the handle types from preloaded code), when the test
// script runs the ATOL emulator.
$client = '';
$url = getenv('FISKAL_ATOL_URL');
if (is_string($url) && $url !== '') {
    $c = new Fiskal\Client(['provider' => 'atol', 'api' => 'v5', 'base_url' => $url . '/possystem/v5/',
        'login' => 'v5-online-atol-ru', 'password' => 'zUr0OxfI', 'group_code' => 'v5-online-atol-ru_5179']);
    $client = ' client=' . $c->status('preload-check', '00000000-0000-4000-8000-000000000000')->outcome();
    unset($c);
}
// The header went through the preloaded scope, not FFI::cdef.
printf("preload ok source=%s version=%s tlv=%d bytes error=%d%s\n",
    Loader::source(), Fiskal\Fiskal::version(), strlen($hex) / 2, $code, $client);
exit(Loader::source() === 'scope' ? 0 : 1);
