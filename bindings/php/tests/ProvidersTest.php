<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use Fiskal\Client;
use Fiskal\FiskalException;
use Fiskal\Qr;
use PHPUnit\Framework\TestCase;

/**
 * The providers of issue 13 (OFD.ru Ferma, KOMTET Kassa, МодульКасса) from PHP with no
 * binding-specific code: Fiskal\Client takes each one's provider settings, submits a receipt
 * and polls it until it is done at the provider's emulator. The emulators are started here
 * (`fiskal-emulator <provider> --port 0`: FISKAL_EMULATOR, else the binary scripts/test-php
 * builds in $CARGO_TARGET_DIR or target/) and stopped after the class. The credentials are the
 * emulators' test constants (Ferma's public test login, the KOMTET and МодульКасса emulators'
 * own test shop and association).
 */
final class ProvidersTest extends TestCase
{
    /** name => [the line naming the address (regex), secret, receipt fixture, total] */
    private const PROVIDERS = [
        'ferma' => ['/^Ferma API: (\S+)/', 'Hjsf3321klsadfAA', 'ferma/receipt_sell_1_05.json', '1111.95'],
        'komtet' => ['/^KOMTET Kassa \(api\/shop\/v2\): (\S+)/', 'fiskal-komtet-secret-0001',
            'komtet/receipt_sell.json', '5801.95'],
        'modulkassa' => ['/^МодульКасса \(API фискализации документов\): (\S+)/u', '12345AbcDe',
            'modulkassa/receipt_sell.json', '5902.05'],
    ];

    /** @var array<string, array{0: resource, 1: resource}> name => [process, its stdout] */
    private static array $procs = [];

    /** @var array<string, string> name => base URL */
    private static array $urls = [];

    private static function emulatorBinary(): string
    {
        $exe = getenv('FISKAL_EMULATOR');
        if (is_string($exe) && $exe !== '') {
            return $exe;
        }
        $target = getenv('CARGO_TARGET_DIR') ?: Support::repoRoot() . '/target';
        return $target . '/debug/fiskal-emulator';
    }

    /** The emulator's base URL: started on first use, kept for the class. */
    private static function url(string $name): string
    {
        if (isset(self::$urls[$name])) {
            return self::$urls[$name];
        }
        $exe = self::emulatorBinary();
        if (!is_executable($exe)) {
            throw new \RuntimeException("no emulator at {$exe}: cargo build -p fiskal-emulator, or set FISKAL_EMULATOR");
        }
        $proc = proc_open([$exe, $name, '--port', '0'], [1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
        if (!is_resource($proc)) {
            throw new \RuntimeException("cannot start the {$name} emulator");
        }
        self::$procs[$name] = [$proc, $pipes[1]];
        $deadline = microtime(true) + 30;
        while (microtime(true) < $deadline) {
            $line = fgets($pipes[1]);
            if ($line === false) {
                break; // it exited
            }
            if (preg_match(self::PROVIDERS[$name][0], $line, $m) === 1) {
                // The rest of its output is left unread: it prints a few lines and then nothing.
                return self::$urls[$name] = $m[1];
            }
        }
        throw new \RuntimeException("the {$name} emulator printed no address");
    }

    public static function tearDownAfterClass(): void
    {
        foreach (self::$procs as [$proc, $out]) {
            proc_terminate($proc);
            fclose($out);
            proc_close($proc);
        }
        self::$procs = [];
        self::$urls = [];
    }

    /** @return array<string, mixed> */
    private static function settings(string $name, string $secret): array
    {
        $url = self::url($name);
        $http = ['timeout_ms' => 5000];
        return match ($name) {
            'ferma' => ['provider' => 'ferma', 'base_url' => $url, 'login' => 'fermatest1',
                'password' => $secret, 'ffd' => '1.05', 'http' => $http],
            'komtet' => ['provider' => 'komtet', 'base_url' => $url, 'shop_id' => 'fiskal-shop-1',
                'secret' => $secret, 'queue_id' => '5179', 'http' => $http],
            default => ['provider' => 'modulkassa', 'base_url' => $url,
                'user_name' => '4f4c789c-3863-41d3-aea9-c35b5a9e7f18', 'password' => $secret, 'http' => $http],
        };
    }

    /** @return array<string, mixed> */
    private static function receipt(string $name): array
    {
        $path = Support::repoRoot() . '/crates/fiskal-providers/tests/fixtures/' . self::PROVIDERS[$name][2];
        return json_decode((string) file_get_contents($path), true, 512, JSON_THROW_ON_ERROR);
    }

    /** @return array<string, array{string}> */
    public static function providers(): array
    {
        return ['ferma' => ['ferma'], 'komtet' => ['komtet'], 'modulkassa' => ['modulkassa']];
    }

    /** @dataProvider providers */
    public function testSubmitThenStatusUntilDone(string $name): void
    {
        [, $secret, , $total] = self::PROVIDERS[$name];
        $client = new Client(self::settings($name, $secret));
        $id = 'php-' . $name . '-' . bin2hex(random_bytes(6));
        $o = $client->submit($id, self::receipt($name), null, '2026-03-02T10:15:00', 10000);
        $text = json_encode($o->toArray(), JSON_UNESCAPED_UNICODE);
        // At the provider: accepted, or already pending there (МодульКасса answers the
        // document's status, QUEUED, to the POST itself).
        self::assertTrue($o->isAccepted() || $o->isPending(), (string) $text);
        $deadline = microtime(true) + 30;
        do {
            $s = $client->status($id, $o->providerId(), 'sell', 5000);
            if (!$s->isDone()) {
                self::assertTrue($s->isPending() || $s->isAccepted() || $s->isRetryLater(),
                    (string) json_encode($s->toArray(), JSON_UNESCAPED_UNICODE));
                usleep(50_000);
            }
        } while (!$s->isDone() && microtime(true) < $deadline);
        self::assertTrue($s->isDone(), (string) json_encode($s->toArray(), JSON_UNESCAPED_UNICODE));
        self::assertIsArray($s->fiscal());
        self::assertSame($total, $s->fiscal()['total']);
        self::assertSame(Qr::fromFiscal($s->fiscal()), $s->qr());
        self::assertStringNotContainsString($secret, (string) json_encode($s->toArray()));
    }

    /** @dataProvider providers */
    public function testAWrongSecretIsNotAcceptedAndNeverShown(string $name): void
    {
        $wrong = 'wrong-secret-4242';
        $client = new Client(self::settings($name, $wrong));
        $id = 'php-' . $name . '-auth-' . bin2hex(random_bytes(6));
        try {
            $o = $client->submit($id, self::receipt($name), null, '2026-03-02T10:15:00', 10000);
            self::assertFalse($o->isAccepted() || $o->isDone(), (string) json_encode($o->toArray()));
            self::assertStringNotContainsString($wrong, (string) json_encode($o->toArray()));
        } catch (FiskalException $e) {
            self::assertStringNotContainsString($wrong, $e->getMessage());
            self::assertStringNotContainsString($wrong, (string) json_encode($e->getDetails()));
        }
    }
}
