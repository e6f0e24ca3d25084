<?php

/*
 * fiskal's PHP package against the plain PHP build of the same receipt for a cloud register,
 * side by side in one process (a benchmark, not a test). Run by benches/peers/run-php, which
 * builds the release library and runs PHP with OPcache on and the JIT off; by hand:
 *
 *   FISKAL_LIB=target/release/libfiskal_ffi.so php -d opcache.enable_cli=1 -d opcache.jit=off \
 *       benches/peers/php_komtet.php [--rounds 15] [--seconds 0.2]
 *
 * Both sides start from the same application data (the shop's cart: names, prices as decimal
 * strings, quantities, mark codes; the receipt of benches/lib.rs `receipt_json_1_2(n)`) and do
 * what a shop's code does before a receipt goes out:
 *
 *   peer      the KOMTET Kassa task as a plain PHP array (what the vendor's SDK serialises:
 *             positions, payment, company, cashier, client; money as floats) and json_encode:
 *             it checks nothing;
 *   fiskal    the receipt array, json_encode (once) and Receipt::check: every FFD rule, exact
 *             money, mark codes parsed; the verdict only (fiskal_validate_verdict);
 *   baseline  json_decode of the receipt's JSON text (what any PHP code pays to read it);
 *   + validate  the receipt array, Receipt::validate (the normalised receipt back, decoded).
 *
 * Cases are interleaved: each round times every case once (a batch of calls each), a case's
 * figure is its median over the rounds; ratios are to the cases measured in the same run.
 */

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php';

use Fiskal\Fiskal;
use Fiskal\Loader;
use Fiskal\Receipt;

/** The shop's cart: [name, price, quantity, mark code or ''] as benches/lib.rs builds it. */
function cart(int $n): array
{
    $out = [];
    for ($i = 0; $i < $n; $i++) {
        $kop = 10_000 + ($i % 97) * 137;
        $out[] = [
            sprintf('Товар номер %05d, артикул ABC-%06d синий', $i, $i),
            sprintf('%d.%02d', intdiv($kop, 100), $kop % 100),
            1,
            $i % 4 === 0 ? sprintf('0104601234567893215Abc%09d', $i) : '',
        ];
    }
    return $out;
}

function peer_build_and_serialise(array $items): string
{
    $positions = [];
    $total = 0.0;
    foreach ($items as [$name, $price, $qty, $code]) {
        $p = [
            'name' => $name, 'price' => (float) $price, 'quantity' => $qty,
            'total' => (float) $price * $qty, 'measure' => 0,
            'payment_method' => 'full_payment',
            'payment_object' => $code !== '' ? 'product_practical' : 'product',
            'vat' => ['number' => '22'],
        ];
        if ($code !== '') {
            $p['mark_code'] = ['gs1m' => $code];
        }
        $positions[] = $p;
        $total += (float) $price * $qty;
    }
    $check = [
        'external_id' => 'order-1', 'intent' => 'sell',
        'company' => ['sno' => 0, 'inn' => '7701000001', 'payment_address' => 'https://shop.example.ru'],
        'cashier' => ['name' => 'Иванов И.И.'], 'client' => ['phone' => '+79990000001'],
        'positions' => $positions, 'payments' => [['sum' => $total, 'type' => 'card']],
    ];
    return json_encode($check, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE);
}

function fiskal_build(array $items): array
{
    $out = [];
    $kopecks = 0;
    foreach ($items as [$name, $price, $qty, $code]) {
        $item = [
            'name' => $name, 'price' => $price, 'quantity' => $qty, 'sum' => $price,
            'measure' => 'piece', 'vat' => 'vat22', 'payment_method' => 'full_payment',
            'payment_subject' => $code !== '' ? 'marked' : 'commodity',
        ];
        if ($code !== '') {
            $item['mark'] = ['kind' => 1305, 'value' => $code, 'processing_mode' => 0];
        }
        $out[] = $item;
        // Exact: the decimal text as whole kopecks (the cart's prices have two decimals).
        $kopecks += (int) str_replace('.', '', $price) * $qty;
    }
    $total = sprintf('%d.%02d', intdiv($kopecks, 100), $kopecks % 100);
    return [
        'version' => 1, 'ffd' => '1.2', 'operation' => 'sell', 'tax_system' => 'osn',
        'company' => ['inn' => '7701000001', 'payment_place' => 'https://shop.example.ru',
            'email' => 'receipts@shop.example.ru'],
        'cashier' => ['name' => 'Иванов И.И.'], 'client' => ['contact' => '+79990000001'],
        'items' => $out, 'payments' => ['electronic' => $total], 'total' => $total,
    ];
}

/** Seconds per call over one batch. */
function per_call(callable $f, int $batch): float
{
    $t = hrtime(true);
    for ($i = 0; $i < $batch; $i++) {
        $f();
    }
    return (hrtime(true) - $t) / 1e9 / $batch;
}

function median(array $xs): float
{
    sort($xs);
    $n = count($xs);
    return $n % 2 ? $xs[intdiv($n, 2)] : ($xs[$n / 2 - 1] + $xs[$n / 2]) / 2;
}

$opts = getopt('', ['rounds:', 'seconds:']);
$rounds = (int) ($opts['rounds'] ?? 15);
$seconds = (float) ($opts['seconds'] ?? 0.2);

printf("PHP %s (%s), OPcache %s, opcache.jit=%s; fiskal %s (FFI %s), library %s\n", PHP_VERSION, PHP_SAPI,
    ini_get('opcache.enable_cli') ? 'on' : 'off', var_export(ini_get('opcache.jit'), true),
    Fiskal::version(), Loader::source() ?? '?', Loader::libraryPath());

foreach ([10, 200] as $n) {
    $items = cart($n);
    $json = json_encode(fiskal_build($items), JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE);
    // Both sides describe the same receipt: the same lines and total; ours passes every rule.
    $peer = json_decode(peer_build_and_serialise($items), true);
    $ours = fiskal_build($items);
    if (count($peer['positions']) !== $n || sprintf('%.2f', $peer['payments'][0]['sum']) !== $ours['total']) {
        throw new RuntimeException('the two sides do not describe the same receipt');
    }
    if (Receipt::check($ours) !== Receipt::VALID) {
        throw new RuntimeException('the bench receipt is not valid: ' . json_encode(Receipt::check($ours)));
    }
    $cases = [
        'peer: build + json_encode' => fn () => peer_build_and_serialise($items),
        'baseline: json_decode of the receipt JSON' => fn () => json_decode($json, true, 512, JSON_THROW_ON_ERROR),
        'fiskal: build + json_encode + Receipt::check' => fn () => Receipt::check(fiskal_build($items)),
        'fiskal: Receipt::check of the JSON text' => fn () => Receipt::check($json),
        'fiskal: build + Receipt::validate (+ map)' => fn () => Receipt::validate(fiskal_build($items)),
    ];
    $batches = [];
    foreach ($cases as $name => $f) {
        $t = per_call($f, 20);
        $batches[$name] = max(5, (int) ($seconds / max($t, 1e-7)));
    }
    $samples = array_fill_keys(array_keys($cases), []);
    for ($r = 0; $r < $rounds; $r++) {
        foreach ($cases as $name => $f) {
            $samples[$name][] = per_call($f, $batches[$name]);
        }
    }
    $m = array_map('median', $samples);
    $peerT = $m['peer: build + json_encode'];
    $base = $m['baseline: json_decode of the receipt JSON'];
    printf("\n%d items, %d bytes of receipt JSON (median of %d interleaved rounds)\n", $n, strlen($json), $rounds);
    echo "| case | µs per receipt | peer ÷ case | case ÷ json_decode |\n|---|---|---|---|\n";
    foreach ($m as $name => $t) {
        printf("| %s | %.2f | %.2f× | %.2f× |\n", $name, $t * 1e6, $peerT / $t, $t / $base);
    }
}
