<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use Fiskal\ArgumentException;
use Fiskal\Client;
use Fiskal\FiskalException;
use Fiskal\Outcome;
use Fiskal\ProviderException;
use Fiskal\Qr;
use PHPUnit\Framework\TestCase;

/**
 * Fiskal\Client end to end through the ATOL emulator that scripts/test-php starts
 * (`fiskal-emulator atol --port 0`; its address in FISKAL_ATOL_URL).
 */
final class ClientTest extends TestCase
{
    public static function atolUrl(): string
    {
        $url = getenv('FISKAL_ATOL_URL');
        if (!is_string($url) || $url === '') {
            throw new \RuntimeException('FISKAL_ATOL_URL is not set: run the tests through scripts/test-php, which starts the ATOL emulator');
        }
        return rtrim($url, '/');
    }

    /** Settings of the emulator's public v5 test account. */
    public static function settings(): array
    {
        return ['provider' => 'atol', 'api' => 'v5', 'base_url' => self::atolUrl() . '/possystem/v5/',
            'login' => 'v5-online-atol-ru', 'password' => 'zUr0OxfI', 'group_code' => 'v5-online-atol-ru_5179',
            'report_interval_ms' => 0];
    }

    /** A receipt of the emulator's test company. */
    public static function receipt(): array
    {
        $r = json_decode((string) file_get_contents(Support::repoRoot() . '/examples/data/receipt_1_2.json'),
            true, 512, JSON_THROW_ON_ERROR);
        $r['company']['inn'] = '5544332219';
        $r['company']['payment_place'] = 'https://v5.online.atol.ru';
        return $r;
    }

    public function testSubmitThenStatusUntilDone(): void
    {
        $client = new Client(self::settings());
        $id = 'php-' . bin2hex(random_bytes(6));
        $o = $client->submit($id, self::receipt(), null, '2026-03-02T10:15:00');
        self::assertInstanceOf(Outcome::class, $o);
        self::assertTrue($o->isAccepted(), json_encode($o->toArray(), JSON_UNESCAPED_UNICODE));
        self::assertNotNull($o->providerId());
        self::assertFalse($o->isDuplicate());

        // The same document id again: the emulator answers "duplicate" with the same uuid.
        $again = $client->submit($id, json_encode(self::receipt(), JSON_THROW_ON_ERROR), null, '2026-03-02T10:15:00');
        self::assertTrue($again->isAccepted());
        self::assertTrue($again->isDuplicate());
        self::assertSame($o->providerId(), $again->providerId());

        $deadline = microtime(true) + 20;
        do {
            $s = $client->status($id, $o->providerId(), 'sell');
            if (!$s->isDone()) {
                usleep(200_000);
            }
        } while (!$s->isDone() && microtime(true) < $deadline);
        self::assertTrue($s->isDone(), json_encode($s->toArray(), JSON_UNESCAPED_UNICODE));
        self::assertIsArray($s->fiscal());
        self::assertNotNull($s->qr());
        self::assertSame(Qr::fromFiscal($s->fiscal()), $s->qr());
        self::assertSame(self::receipt()['total'], $s->fiscal()['total']);
    }

    public function testUnknownDocumentIsNotDone(): void
    {
        $client = new Client(self::settings());
        $s = $client->status('php-never-sent', '00000000-0000-4000-8000-000000000000', 'sell');
        // The adapter's reading of ATOL's answer for an unknown uuid (pending or not found);
        // never done, never an exception.
        self::assertContains($s->outcome(), [Outcome::NOT_FOUND, Outcome::PENDING],
            json_encode($s->toArray(), JSON_UNESCAPED_UNICODE));
        self::assertFalse($s->isDone());

        // ATOL looks documents up by uuid only: without one the query cannot be sent (6001).
        try {
            $client->status('php-never-sent');
            self::fail('status without a provider id');
        } catch (ProviderException $e) {
            self::assertSame(6001, $e->getCode());
        }
    }

    public function testBadSettingsNameTheField(): void
    {
        $settings = self::settings();
        unset($settings['login']);
        try {
            new Client($settings);
            self::fail('built without a login');
        } catch (ProviderException $e) {
            self::assertSame(6003, $e->getCode());
            self::assertSame('login', $e->getPath());
        }
        $this->expectException(FiskalException::class);
        new Client('{"provider": "atol",');
    }

    public function testInvalidReceiptIsAnExceptionNotAnOutcome(): void
    {
        $client = new Client(self::settings());
        $r = self::receipt();
        $r['total'] = '1.00';
        try {
            $client->submit('php-bad-' . bin2hex(random_bytes(4)), $r);
            self::fail('an invalid receipt was sent');
        } catch (FiskalException $e) {
            self::assertContains($e->getCode(), [2000, 6002], $e->getMessage());
        }
    }

    public function testClosedClientRefusesCalls(): void
    {
        $client = new Client(self::settings());
        $client->close();
        $client->close();   // twice is fine
        $this->expectException(\LogicException::class);
        $client->status('x');
    }

    public function testArgumentErrorForBadRequestJson(): void
    {
        $client = new Client(self::settings());
        $this->expectException(ArgumentException::class);
        $client->submit('x', '{"version":1,');
    }
}
