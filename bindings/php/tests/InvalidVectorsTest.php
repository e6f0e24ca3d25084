<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use Fiskal\ArgumentException;
use Fiskal\Receipt;
use Fiskal\ValidationException;
use PHPUnit\Framework\TestCase;

/**
 * tests/vectors/invalid: JSON-level errors name the same path, FFD violations come back as the
 * same ordered list of (path, code) as in Rust, each with a Russian and an English message.
 */
final class InvalidVectorsTest extends TestCase
{
    public static function files(): array
    {
        return Support::files('invalid');
    }

    /** @dataProvider files */
    public function testSameErrorsAsRust(string $file): void
    {
        $v = Support::load($file);
        $text = is_string($v['input'] ?? null)
            ? $v['input']
            : json_encode(Support::loadObject($file)->receipt, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
        $expect = $v['expect'];
        foreach (['validate' => fn () => Receipt::validate($text),
                  'toTlv' => fn () => Receipt::toTlv($text)] as $op => $call) {
            try {
                $call();
                self::fail("{$op}: accepted");
            } catch (ArgumentException $e) {
                self::assertSame('json', $expect['kind'], "{$op}: " . $e->getMessage());
                self::assertSame(102, $e->getCode(), $op);
                self::assertSame('invalid_json', $e->getName(), $op);
                self::assertSame($expect['path'], $e->getPath() ?? '', $op);
            } catch (ValidationException $e) {
                self::assertSame('invalid', $expect['kind'], "{$op}: " . $e->getMessage());
                self::assertSame(2000, $e->getCode(), $op);
                $got = array_map(fn (array $x) => ['path' => $x['path'], 'code' => $x['name']], $e->getErrors());
                self::assertSame($expect['violations'], $got, $op);
                foreach ($e->getErrors() as $x) {
                    self::assertGreaterThanOrEqual(2001, $x['code']);
                    self::assertLessThanOrEqual(2034, $x['code']);
                    self::assertNotSame('', $x['message_ru']);
                    self::assertNotSame('', $x['message_en']);
                }
                self::assertSame($e->getDetails(), $e->getErrors());
            }
        }
    }
}
