<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use Fiskal\ArgumentException;
use Fiskal\Receipt;
use Fiskal\ValidationException;
use PHPUnit\Framework\TestCase;

/**
 * Receipt::check (fiskal_validate_verdict): the verdict of Receipt::validate for every receipt
 * of the shared vectors, without the normalised receipt.
 */
final class CheckTest extends TestCase
{
    public static function files(): array
    {
        return Support::files('tlv') + Support::files('invalid');
    }

    private static function text(string $file): string
    {
        $v = Support::load($file);
        return is_string($v['input'] ?? null)
            ? $v['input']
            : json_encode(Support::loadObject($file)->receipt, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
    }

    /** @dataProvider files */
    public function testSameVerdictAsValidate(string $file): void
    {
        $text = self::text($file);
        $got = Receipt::check($text);
        try {
            Receipt::validate($text);
            self::assertSame(Receipt::VALID, $got);
            self::assertStringContainsString('/tlv/', $file);
        } catch (ValidationException $e) {
            self::assertFalse($got['ok']);
            self::assertSame($e->getErrors(), $got['errors']);
            self::assertNotSame([], $got['errors']);
        } catch (ArgumentException $e) {
            self::assertSame(102, $e->getCode());
            self::assertSame(['ok' => false, 'errors' => [[
                'code' => 102, 'name' => 'invalid_json', 'path' => $e->getPath(),
                'message_ru' => $e->getMessageRu(), 'message_en' => $e->getMessageEn(),
            ]]], $got);
        }
    }

    public function testArraysAreEncodedOnceAndCheckedLikeText(): void
    {
        $file = Support::vectorsDir() . '/invalid/008_total_mismatch.json';
        $receipt = Support::load($file)['receipt'];
        $got = Receipt::check($receipt);
        self::assertFalse($got['ok']);
        self::assertSame(Support::load($file)['expect']['violations'],
            array_map(fn (array $x) => ['path' => $x['path'], 'code' => $x['name']], $got['errors']));
        // The same receipt, fixed: the total is the sum of the lines.
        $ok = Support::load(Support::vectorsDir() . '/tlv/001_receipt_1_2_marked.json')['receipt'];
        self::assertSame(['ok' => true, 'errors' => []], Receipt::check($ok));
    }

    public function testOtherFailuresThrow(): void
    {
        $this->expectException(ArgumentException::class);
        $this->expectExceptionCode(101);
        Receipt::check("{\"version\":1,\"x\":\"\xff\"}");
    }
}
