<?php

declare(strict_types=1);

namespace Fiskal\Tests;

/** Helpers shared by the tests: where the shared vectors are, canonical comparison, carts. */
final class Support
{
    /** The repository's tests/vectors (the same files the Rust, Python and 1C tests read). */
    public static function vectorsDir(): string
    {
        $dir = getenv('FISKAL_VECTORS') ?: dirname(__DIR__, 3) . '/tests/vectors';
        if (!is_dir($dir)) {
            throw new \RuntimeException("the shared vectors are not at {$dir} (set FISKAL_VECTORS)");
        }
        return $dir;
    }

    /** The repository root (for the header and Cargo.toml checks). */
    public static function repoRoot(): string
    {
        return getenv('FISKAL_REPO') ?: dirname(__DIR__, 3);
    }

    /**
     * PHPUnit data sets: one per `*.json` file of a vectors folder, named by the file; fails
     * (an exception, not an empty provider) when the folder has none.
     *
     * @return array<string, array{string}>
     */
    public static function files(string $sub): array
    {
        $files = glob(self::vectorsDir() . '/' . $sub . '/*.json') ?: [];
        sort($files);
        if ($files === []) {
            throw new \RuntimeException("tests/vectors/{$sub} has no vectors");
        }
        $sets = [];
        foreach ($files as $f) {
            $sets[$sub . '/' . basename($f)] = [$f];
        }
        return $sets;
    }

    /** A vector file as arrays (for comparing). */
    public static function load(string $file): array
    {
        return json_decode((string) file_get_contents($file), true, 512, JSON_THROW_ON_ERROR);
    }

    /** A vector file as objects (to send a receipt on unchanged: `{}` stays `{}`). */
    public static function loadObject(string $file): \stdClass
    {
        return json_decode((string) file_get_contents($file), false, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * A value with every object's keys sorted, so that assertSame compares like serde_json's
     * `Value` equality (key order does not matter, types do).
     */
    public static function canon(mixed $v): mixed
    {
        if (!is_array($v)) {
            return $v;
        }
        $v = array_map([self::class, 'canon'], $v);
        if (!array_is_list($v)) {
            ksort($v, SORT_STRING);
        }
        return $v;
    }

    /** Roubles text → kopecks ("599.70" → 59970). */
    public static function kop(string $text): int
    {
        if (!preg_match('/^(\d+)(?:\.(\d{1,2}))?$/', $text, $m)) {
            throw new \RuntimeException("bad amount {$text}");
        }
        return (int) $m[1] * 100 + (int) str_pad($m[2] ?? '', 2, '0');
    }

    /** Kopecks → roubles text with two decimals. */
    public static function money(int $kop): string
    {
        return intdiv($kop, 100) . '.' . str_pad((string) ($kop % 100), 2, '0', STR_PAD_LEFT);
    }

    public const MARK_VALUE = '010460123456789321sTxR2k9aQ7mZ4';

    /**
     * The cart a calc vector describes (tests/vectors/calc/alloc/README.md) as a receipt array;
     * the same construction as `cart()` in crates/fiskal-json/tests/vectors.rs.
     *
     * @param array<string, mixed> $v
     * @return array<string, mixed>
     */
    public static function cart(array $v): array
    {
        $total = 0;
        $items = [];
        foreach ($v['items'] ?? [] as $i => $x) {
            $total += self::kop($x['sum']);
            $marked = (bool) ($x['marked'] ?? false);
            $item = [
                'name' => $x['name'] ?? 'Позиция ' . ($i + 1),
                'price' => $x['price'] ?? null, 'quantity' => $x['quantity'] ?? null, 'sum' => $x['sum'],
                'measure' => 'piece', 'vat' => $x['vat'] ?? 'vat22',
                'payment_method' => 'full_payment',
                'payment_subject' => $x['subject'] ?? ($marked ? 'marked' : 'commodity'),
            ];
            if ($marked) {
                $item['mark'] = ['kind' => 1305, 'value' => self::MARK_VALUE, 'processing_mode' => 0];
            }
            $items[] = $item;
        }
        $money = self::money($total);
        return [
            'version' => 1, 'ffd' => '1.2', 'operation' => 'sell',
            'company' => ['inn' => '7701000001', 'payment_place' => 'https://shop.example.ru'],
            'items' => $items, 'payments' => $v['payments'] ?? ['electronic' => $money], 'total' => $money,
        ];
    }

    /** The workspace version in Cargo.toml (`[workspace.package] version`). */
    public static function cargoVersion(): string
    {
        $toml = (string) file_get_contents(self::repoRoot() . '/Cargo.toml');
        if (!preg_match('/^\[workspace\.package\][^\[]*?^version\s*=\s*"([^"]+)"/ms', $toml, $m)) {
            throw new \RuntimeException('cannot read [workspace.package] version from Cargo.toml');
        }
        return $m[1];
    }
}
