<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use Fiskal\Mark;
use Fiskal\MarkException;
use PHPUnit\Framework\TestCase;

/**
 * tests/vectors/marks: every scan gives exactly the expected 1162 / 1163 / 2000 / provider
 * strings, or the expected error at the expected position (tests/vectors/marks/README.md).
 */
final class MarkVectorsTest extends TestCase
{
    public static function files(): array
    {
        return Support::files('marks');
    }

    /** @dataProvider files */
    public function testSameResultAsRust(string $file): void
    {
        $v = Support::load($file);
        $options = $v['options'] ?? [];
        $call = isset($v['input_hex'])
            ? fn () => Mark::parseBytes((string) hex2bin($v['input_hex']), $options)
            : fn () => Mark::parse($v['input'], $options);
        if (isset($v['expected'])) {
            $got = $call();
            self::assertSame(1, $got['version']);
            unset($got['version']);
            self::assertSame(Support::canon($v['expected']), Support::canon($got));
            return;
        }
        try {
            $call();
            self::fail('expected the error ' . json_encode($v['error']));
        } catch (MarkException $e) {
            self::assertSame($v['error']['code'], $e->getDetails()['reason']);
            self::assertSame($v['error']['position'], $e->getDetails()['position']);
            self::assertGreaterThanOrEqual(4001, $e->getCode());
            self::assertLessThanOrEqual(4014, $e->getCode());
            self::assertSame(isset($v['input_hex']) ? 'code_hex' : 'code', $e->getPath());
        }
    }

    public function testScanThatIsNotUtf8IsSentAsBytes(): void
    {
        // 0xE8 (FNC1 as a raw byte) in front of a GS1 code: parse() sees invalid UTF-8 and
        // sends code_hex, with the same result as parseBytes().
        $file = Support::vectorsDir() . '/marks/027_leading_fnc1_e8_byte.json';
        $v = Support::load($file);
        $bytes = (string) hex2bin($v['input_hex']);
        self::assertSame(Mark::parseBytes($bytes), Mark::parse($bytes));
    }
}
