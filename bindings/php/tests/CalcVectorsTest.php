<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use Fiskal\CalcException;
use Fiskal\Receipt;
use PHPUnit\Framework\TestCase;

/**
 * tests/vectors/calc/{alloc,split,vat} through Receipt::compute / Receipt::split, checked as
 * crates/fiskal-json/tests/vectors.rs checks them (calc/lifecycle has no operation in the C API).
 */
final class CalcVectorsTest extends TestCase
{
    public static function allocFiles(): array
    {
        return Support::files('calc/alloc');
    }

    public static function splitFiles(): array
    {
        return Support::files('calc/split');
    }

    public static function vatFiles(): array
    {
        return Support::files('calc/vat');
    }

    private static function assertCalcError(array $v, CalcException $e): void
    {
        self::assertArrayHasKey('error', $v, 'unexpected error ' . $e->getMessage());
        self::assertSame($v['error']['code'], $e->getDetails()['reason'] ?? null, $e->getMessage());
        self::assertGreaterThanOrEqual(3001, $e->getCode());
        self::assertLessThanOrEqual(3999, $e->getCode());
        if (isset($v['error']['path'])) {
            self::assertStringEndsWith($v['error']['path'], (string) $e->getPath());
        }
    }

    /** @dataProvider allocFiles */
    public function testAllocation(string $file): void
    {
        $v = Support::load($file);
        $excluded = [];
        foreach ($v['items'] as $i => $x) {
            if ($x['excluded'] ?? false) {
                $excluded[] = $i;
            }
        }
        $options = ['adjustment' => $v['adjustment'], 'exclude' => $excluded,
            'rounding' => $v['rounding'] ?? 'half_up'];
        if (isset($v['fractional_policy'])) {
            $options['fractional_policy'] = $v['fractional_policy'];
        }
        try {
            $o = Receipt::compute(Support::cart($v), $options);
        } catch (CalcException $e) {
            self::assertCalcError($v, $e);
            return;
        }
        self::assertArrayHasKey('expected', $v, 'succeeded, but an error is expected');
        $got = [
            'amount' => $o['allocation']['amount'], 'direction' => $o['allocation']['direction'],
            'total' => $o['total'], 'item_sums' => $o['allocation']['item_sums'],
            'lines' => array_map(fn (array $l) => ['source' => $l['source'], 'quantity' => $l['quantity'],
                'price' => $l['price'], 'sum' => $l['sum']], $o['lines']),
        ];
        self::assertSame(Support::canon($v['expected']), Support::canon($got));
    }

    /** @dataProvider splitFiles */
    public function testSplit(string $file): void
    {
        $v = Support::load($file);
        try {
            $o = Receipt::split(Support::cart($v), $v['key'], $v['options'] ?? []);
        } catch (CalcException $e) {
            self::assertCalcError($v, $e);
            return;
        }
        $want = $v['expected']['parts'] ?? null;
        self::assertIsArray($want, 'succeeded, but an error is expected');
        self::assertCount(count($want), $o['parts']);
        self::assertSame(count($want), $o['count']);
        $next = 0;
        foreach ($o['parts'] as $j => $p) {
            $r = $p['receipt'];
            $c = Receipt::compute($r);
            $vat = [];
            foreach ($c['per_rate'] as $row) {
                if (!in_array($row['vat'], ['vat0', 'none'], true)) {
                    $vat[$row['vat']] = $row['vat_sum'];
                }
            }
            $pay = $r['payments'];
            $got = [
                'key_suffix' => $p['key_suffix'], 'items' => count($r['items']), 'total' => $r['total'],
                'payments' => ['prepaid' => $pay['prepaid'], 'electronic' => $pay['electronic'],
                    'cash' => $pay['cash'], 'credit' => $pay['credit'], 'consideration' => $pay['consideration']],
                'vat' => $vat,
            ];
            if (array_key_exists('size_bound', $want[$j])) {
                $got['size_bound'] = $p['size_bound'];
            }
            self::assertSame(Support::canon($want[$j]), Support::canon($got), "parts[{$j}]");
            self::assertSame($v['key'] . $p['key_suffix'], $p['key']);
            self::assertSame($j, $p['index']);
            self::assertSame($next, $p['items']['start']);
            $next = $p['items']['end'];
        }
    }

    /**
     * calc/vat through `compute`: `item_vat` rows (half-up, the rounding compute uses for a
     * line's VAT) as one-line receipts, and `receipt` (VAT per rate and the receipt VAT tags).
     * `net_to_gross`, `rate_dates` and rows with another rounding test fiskal-calc functions the
     * C API does not expose; the Rust runner covers them (crates/fiskal-calc/tests/vectors.rs).
     *
     * @dataProvider vatFiles
     */
    public function testVat(string $file): void
    {
        $v = Support::load($file);
        $checked = 0;
        foreach ($v['item_vat'] ?? [] as $n => $row) {
            if (($row['rounding'] ?? 'half_up') !== 'half_up' || Support::kop($row['sum']) === 0) {
                continue;
            }
            $o = Receipt::compute(Support::cart(['items' => [
                ['price' => $row['sum'], 'quantity' => '1', 'sum' => $row['sum'], 'vat' => $row['vat']],
            ]]));
            self::assertSame($row['vat_sum'], $o['lines'][0]['vat_sum'], "item_vat[{$n}]");
            $checked++;
        }
        if (isset($v['receipt'])) {
            $rc = $v['receipt'];
            $items = array_map(fn (array $x) => ['price' => $x['sum'], 'quantity' => '1', 'sum' => $x['sum'],
                'vat' => $x['vat']], $rc['items']);
            $o = Receipt::compute(Support::cart(['items' => $items]));
            self::assertSame(Support::canon($rc['per_rate']), Support::canon($o['per_rate']));
            self::assertSame(Support::canon($rc['vat_totals']), Support::canon($o['vat_totals']));
            $checked++;
        }
        if ($checked === 0) {
            self::assertEmpty(array_intersect(array_keys($v), ['item_vat', 'receipt']),
                'a vat vector with rows compute can check checked none');
        }
    }
}
