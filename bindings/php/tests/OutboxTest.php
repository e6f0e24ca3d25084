<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use Fiskal\Outbox;
use Fiskal\OutboxException;
use PHPUnit\Framework\TestCase;

/** Fiskal\Outbox end to end: a journal in a temporary directory, its worker and the ATOL emulator. */
final class OutboxTest extends TestCase
{
    private string $dir;

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir() . '/fiskal-php-outbox-' . bin2hex(random_bytes(4));
        mkdir($this->dir);
    }

    protected function tearDown(): void
    {
        foreach (glob($this->dir . '/*') ?: [] as $f) {
            unlink($f);
        }
        rmdir($this->dir);
    }

    private function settings(): array
    {
        return ['routes' => ['atol' => ['provider' => ClientTest::settings()]], 'default_route' => 'atol',
            'timing' => ['poll_first_ms' => 100, 'retry_base_ms' => 100]];
    }

    public function testEnqueueDrainDone(): void
    {
        $outbox = new Outbox($this->dir . '/journal.db', $this->settings());
        $key = 'order-' . bin2hex(random_bytes(4)) . '-sell';
        $e = $outbox->enqueue($key, ClientTest::receipt());
        self::assertTrue($e['created']);
        self::assertSame($key, $e['key']);
        $same = $outbox->enqueue($key, json_encode(ClientTest::receipt(), JSON_THROW_ON_ERROR));
        self::assertFalse($same['created']);

        // poke finds only entries waiting for the provider (accepted, in doubt, retry later):
        // not a new one, not an unknown id.
        self::assertFalse($outbox->poke($key));
        self::assertFalse($outbox->poke('no-such-key'));

        $outbox->start();
        self::assertTrue($outbox->drain(30_000), json_encode($outbox->get($key), JSON_UNESCAPED_UNICODE));
        $done = $outbox->get($key);
        self::assertSame('done', $done['state'], json_encode($done, JSON_UNESCAPED_UNICODE));
        self::assertIsArray($done['fiscal']);
        self::assertIsString($done['qr']);

        $list = $outbox->list(['state' => 'done', 'limit' => 10]);
        self::assertSame([$key], array_column($list, 'key'));
        $audit = $outbox->audit($key);
        self::assertNotEmpty($audit);
        self::assertSame('done', end($audit)['to']);

        $stats = $outbox->stats();
        self::assertTrue($stats['worker']['running']);
        self::assertGreaterThanOrEqual(1, $stats['worker']['done']);

        $rec = $outbox->reconcile(['from_ms' => 0, 'to_ms' => 4_000_000_000_000, 'limit' => 100]);
        self::assertSame(1, $rec['checked']);
        self::assertSame(1, $rec['matched']);
        $outbox->stop();
        $outbox->close();
    }

    public function testErrorsByCode(): void
    {
        $outbox = new Outbox($this->dir . '/journal.db', $this->settings());
        try {
            $outbox->get('missing');
            self::fail('found a missing key');
        } catch (OutboxException $e) {
            self::assertSame(7003, $e->getCode());
        }
        $r = ClientTest::receipt();
        $r['company']['inn'] = '7701000002';
        try {
            $outbox->enqueue('bad-1', $r);
            self::fail('enqueued an invalid receipt');
        } catch (OutboxException $e) {
            self::assertSame(7008, $e->getCode());
            self::assertSame('inn_check_digit', $e->getErrors()[0]['name']);
        }
        $outbox->enqueue('k-1', ClientTest::receipt());
        $other = ClientTest::receipt();
        $other['items'][0]['name'] = 'Другое';
        try {
            $outbox->enqueue('k-1', $other);
            self::fail('two receipts under one key');
        } catch (OutboxException $e) {
            self::assertSame(7002, $e->getCode());
        }
        try {
            new Outbox($this->dir . '/other.db', ['routes' => new \stdClass(), 'nonsense' => 1]);
            self::fail('bad settings accepted');
        } catch (OutboxException $e) {
            self::assertSame(7007, $e->getCode());
        }
    }

    public function testDestructorReleasesTheJournal(): void
    {
        $path = $this->dir . '/journal.db';
        $outbox = new Outbox($path, $this->settings());
        $outbox->enqueue('d-1', ClientTest::receipt());
        unset($outbox);   // fiskal_outbox_free: the journal is closed and can be opened again
        $again = new Outbox($path, $this->settings());
        self::assertSame('d-1', $again->get('d-1')['key']);
    }
}
