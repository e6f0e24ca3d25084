<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use Fiskal\ArgumentException;
use Fiskal\CalcException;
use Fiskal\Fiskal;
use Fiskal\FiskalException;
use Fiskal\Mark;
use Fiskal\MarkException;
use Fiskal\OutboxException;
use Fiskal\ProviderException;
use Fiskal\Qr;
use Fiskal\Receipt;
use Fiskal\TlvException;
use Fiskal\ValidationException;
use PHPUnit\Framework\TestCase;

/** Every failure becomes the exception class of its result code, with code, path, RU/EN, details. */
final class ExceptionsTest extends TestCase
{
    private static function receipt(): array
    {
        return json_decode((string) file_get_contents(Support::repoRoot() . '/examples/data/receipt_1_2.json'),
            true, 512, JSON_THROW_ON_ERROR);
    }

    /** @return FiskalException the exception $f throws (failing if it throws none) */
    private static function catch(callable $f): FiskalException
    {
        try {
            $f();
        } catch (FiskalException $e) {
            return $e;
        }
        self::fail('no exception');
    }

    public function testArgumentErrors(): void
    {
        $e = self::catch(fn () => Receipt::validate('{"version":1,'));
        self::assertInstanceOf(ArgumentException::class, $e);
        self::assertSame(102, $e->getCode());
        self::assertSame('invalid_json', $e->getName());

        $r = self::receipt();
        $r['items'][0]['price'] = true;
        $e = self::catch(fn () => Receipt::compute($r));
        self::assertInstanceOf(ArgumentException::class, $e);
        self::assertSame('receipt.items[0].price', $e->getPath());

        // An envelope of another version: 105 with path `version`.
        $e = self::catch(fn () => Fiskal::call('mark', ['version' => 2, 'code' => 'x']));
        self::assertSame([105, 'version'], [$e->getCode(), $e->getPath()]);
        self::assertInstanceOf(ArgumentException::class, $e);

        // Invalid UTF-8 as JSON text goes to the library: 101.
        $e = self::catch(fn () => Receipt::validate("{\"version\":1,\"ffd\":\"\xff\"}"));
        self::assertSame([101, 'invalid_utf8'], [$e->getCode(), $e->getName()]);
        // Invalid UTF-8 inside an array cannot be JSON-encoded: the same code, before the call.
        $r = self::receipt();
        $r['items'][0]['name'] = "\xff";
        $e = self::catch(fn () => Receipt::validate($r));
        self::assertInstanceOf(ArgumentException::class, $e);
        self::assertSame(101, $e->getCode());

        $e = self::catch(fn () => Fiskal::call('nope', '{}'));
        self::assertSame([108, 'unknown_operation'], [$e->getCode(), $e->getName()]);

        $e = self::catch(fn () => Receipt::fromTlv('zz'));
        self::assertSame([107, 'hex'], [$e->getCode(), $e->getPath()]);
    }

    public function testValidationErrorsCarryEveryViolation(): void
    {
        $r = self::receipt();
        $r['company']['inn'] = '7701000002';
        $r['total'] = '1.00';
        $e = self::catch(fn () => Receipt::toTlv($r));
        self::assertInstanceOf(ValidationException::class, $e);
        self::assertSame(2000, $e->getCode());
        self::assertSame('receipt_invalid', $e->getName());
        $errors = $e->getErrors();
        self::assertGreaterThanOrEqual(2, count($errors));
        self::assertSame(['code' => 2007, 'name' => 'inn_check_digit', 'path' => 'company.inn'],
            array_intersect_key($errors[0], ['code' => 0, 'name' => 0, 'path' => 0]));
        self::assertStringContainsString('ИНН', $e->getMessageRu());
        self::assertStringContainsString('INN', $e->getMessageEn());
        self::assertSame($e->getMessageEn(), $e->getMessage());

        // Inside an envelope the receipt's violations keep their paths; the error's path is `receipt`.
        $e = self::catch(fn () => Receipt::compute($r));
        self::assertInstanceOf(ValidationException::class, $e);
        self::assertSame('receipt', $e->getPath());
        self::assertSame(2007, $e->getErrors()[0]['code']);
    }

    public function testCalcMarkTlvErrors(): void
    {
        $e = self::catch(fn () => Receipt::compute(self::receipt(),
            ['adjustment' => ['kind' => 'discount', 'value' => '1.00'], 'exclude' => [99]]));
        self::assertInstanceOf(CalcException::class, $e);
        self::assertSame([3011, 'exclude[0]'], [$e->getCode(), $e->getPath()]);

        $e = self::catch(fn () => Receipt::compute(self::receipt(),
            ['adjustment' => ['kind' => 'discount', 'value' => '100000.00']]));
        self::assertInstanceOf(CalcException::class, $e);
        self::assertSame('discount_too_large', $e->getDetails()['reason']);

        $e = self::catch(fn () => Mark::parse('4606203090786'));
        self::assertInstanceOf(MarkException::class, $e);
        self::assertSame(4005, $e->getCode());
        self::assertSame('bad_check_digit', $e->getDetails()['reason']);
        self::assertSame(12, $e->getDetails()['position']);

        $e = self::catch(fn () => Receipt::fromTlv('0300080023041000FE030000'));
        self::assertInstanceOf(TlvException::class, $e);
        self::assertSame(5002, $e->getCode());
    }

    public function testClassesByRange(): void
    {
        foreach ([0 => FiskalException::class, 100 => ArgumentException::class, 199 => ArgumentException::class,
                  2000 => ValidationException::class, 3001 => CalcException::class, 4001 => MarkException::class,
                  5100 => TlvException::class, 6003 => ProviderException::class, 7003 => OutboxException::class,
                  8000 => FiskalException::class] as $code => $class) {
            self::assertSame($class, FiskalException::classFor($code), (string) $code);
            self::assertSame($class, get_class(FiskalException::fromError(['code' => $code])));
        }
        self::assertSame('unknown', Fiskal::resultName(424242));
        self::assertSame('unknown', Fiskal::resultName(-1));
        self::assertSame('ok', Fiskal::resultName(0));
        self::assertNotSame('', Fiskal::resultMessage(2000));
    }

    public function testQr(): void
    {
        $fiscal = ['fn_number' => '9999078900001234', 'fd_number' => 1234, 'fiscal_sign' => 3826187301,
            'date_time' => '2026-03-02T10:15:42', 'total' => '599.70', 'operation' => 'sell'];
        $want = 't=20260302T1015&s=599.70&fn=9999078900001234&i=1234&fp=3826187301&n=1';
        self::assertSame($want, Qr::fromFiscal($fiscal));
        self::assertSame($want, Qr::fromFiscal(json_encode($fiscal)));
        $e = self::catch(fn () => Qr::fromFiscal(['total' => true] + $fiscal));
        self::assertSame([102, 'total'], [$e->getCode(), $e->getPath()]);
    }

    public function testEveryOutputStringIsFreed(): void
    {
        // 8 000 rounds (a success and a failure each: three library strings of 0.5–1.5 KB): the
        // process must not grow by more than 2 MB. A missing fiskal_string_free would leak
        // more than 8 MB.
        $r = self::receipt();
        $json = json_encode($r, JSON_THROW_ON_ERROR);
        $bad = $r;
        $bad['company']['inn'] = '7701000002';
        $badJson = json_encode($bad, JSON_THROW_ON_ERROR);
        $run = function (int $n) use ($json, $badJson): void {
            for ($i = 0; $i < $n; $i++) {
                Receipt::toTlv($json);
                try {
                    Receipt::validate($badJson);
                } catch (ValidationException) {
                }
            }
        };
        $run(1000);   // warm up allocators
        $before = self::rssKb();
        $run(8000);
        $grown = self::rssKb() - $before;
        self::assertLessThan(2048, $grown, "RSS grew by {$grown} KB over 8 000 rounds");
    }

    private static function rssKb(): int
    {
        $status = (string) file_get_contents('/proc/self/status');
        preg_match('/^VmRSS:\s+(\d+)/m', $status, $m);
        return (int) ($m[1] ?? 0);
    }
}
