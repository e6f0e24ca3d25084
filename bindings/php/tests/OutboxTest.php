<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use Fiskal\ArgumentException;
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

    /**
     * Issue 24: a receipt fiscalised with a remark is done, visibly so. The remark here is ATOL's
     * `warnings` (the emulator, like ATOL, warns about a callback URL outside its mask and
     * fiscalises the receipt anyway); a negative mark check takes the same path.
     */
    public function testDoneWithAttention(): void
    {
        $settings = $this->settings();
        $settings['routes']['atol']['callback_url'] = 'https://-not-a-host.example/cb';
        $outbox = new Outbox($this->dir . '/journal.db', $settings);
        $key = 'order-' . bin2hex(random_bytes(4)) . '-att';
        $outbox->enqueue($key, ClientTest::receipt());
        self::assertTrue($outbox->drain(30_000));
        $e = $outbox->get($key);
        self::assertSame('done', $e['state'], json_encode($e, JSON_UNESCAPED_UNICODE));
        self::assertIsArray($e['attention'], json_encode($e, JSON_UNESCAPED_UNICODE));
        self::assertSame(['warnings'], $e['attention']['reasons']);
        self::assertSame('callback_url', $e['attention']['warnings'][0]['field']);
        self::assertSame(1, $outbox->stats()['done_with_attention']);
        self::assertSame([$key], array_column($outbox->list(['attention' => true]), 'key'));
        $rec = $outbox->reconcile(['from_ms' => 0, 'to_ms' => 4_000_000_000_000, 'limit' => 100]);
        self::assertSame([$key], array_column($rec['attention'], 'key'));
        self::assertSame([], $rec['not_delivered']);

        // Without the remark: plain done, nothing to look at.
        $plain = new Outbox($this->dir . '/plain.db', $this->settings());
        $plainKey = $key . '-plain';
        $plain->enqueue($plainKey, ClientTest::receipt());
        self::assertTrue($plain->drain(30_000));
        self::assertSame('done', $plain->get($plainKey)['state']);
        self::assertNull($plain->get($plainKey)['attention']);
        self::assertSame(0, $plain->stats()['done_with_attention']);
        self::assertSame([], $plain->list(['attention' => true]));
        $plain->close();
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

    public function testRequeueAndCancelWithWhoAndWhy(): void
    {
        // No worker runs: the actions are journal changes, with the operator in the audit trail.
        $outbox = new Outbox($this->dir . '/journal.db', $this->settings());
        $outbox->enqueue('op-1', ClientTest::receipt());
        $outbox->enqueue('op-2', ClientTest::receipt());
        try {
            $outbox->requeue('op-1', 'anna', 'again');
            self::fail('requeued a queued entry');
        } catch (OutboxException $e) {
            self::assertSame(7019, $e->getCode());
            self::assertSame('key', $e->getPath());
            self::assertSame('queued', $e->getDetails()['state']);
            self::assertSame('requeue', $e->getDetails()['action']);
            self::assertStringContainsString('уже ждёт отправки', $e->getMessageRu());
        }
        $e = $outbox->cancel('op-1', 'Анна', 'покупатель ушёл');
        self::assertSame('cancelled', $e['state']);
        self::assertNull($e['due_at_ms']);
        $audit = $outbox->audit('op-1');
        $last = end($audit);
        self::assertSame(['operator_cancel', 'Анна', 'покупатель ушёл'], [$last['reason'], $last['who'], $last['note']]);
        self::assertNull($audit[0]['who']);
        try {
            $outbox->cancel('op-1', 'anna', 'twice');
            self::fail('cancelled twice');
        } catch (OutboxException $e) {
            self::assertSame(7019, $e->getCode());
            self::assertStringContainsString('cancelled already', $e->getMessageEn());
        }
        try {
            $outbox->cancel('op-2', 'anna', ' ');
            self::fail('cancelled without a reason');
        } catch (ArgumentException $e) {
            self::assertSame(107, $e->getCode());
            self::assertSame('reason', $e->getPath());
        }
        try {
            $outbox->requeue('nobody', 'anna', 'why');
            self::fail('requeued an unknown key');
        } catch (OutboxException $e) {
            self::assertSame(7003, $e->getCode());
        }
        self::assertSame('queued', $outbox->get('op-2')['state']);
        $counts = array_column($outbox->stats()['states'], 'count', 'state');
        self::assertSame(1, $counts['cancelled']);
    }

    public function testResolveAStuckEntryByHand(): void
    {
        // Nothing answers on port 9 and the deadlines are one second: the entry is soon stuck.
        $settings = $this->settings();
        $settings['routes']['atol']['provider']['base_url'] = 'http://127.0.0.1:9/possystem/v5/';
        $settings['timing'] += ['deadline_queued_s' => 1, 'deadline_retry_later_s' => 1, 'deadline_sending_s' => 1];
        $settings['worker'] = ['stuck_scan_ms' => 50, 'idle_wait_ms' => 20];
        $outbox = new Outbox($this->dir . '/journal.db', $settings);
        $receipt = ClientTest::receipt();
        $outbox->enqueue('rs-1', $receipt);
        $fiscal = ['fn_number' => '9999078900001234', 'fd_number' => 4321, 'fiscal_sign' => 2911446123,
            'date_time' => '2026-03-02T10:15:42', 'shift_number' => null, 'receipt_number' => null,
            'kkt_reg_number' => null, 'ofd_inn' => null, 'receipt_url' => null,
            'total' => $receipt['total'], 'operation' => $receipt['operation']];
        try {
            $outbox->resolve('rs-1', 'anna', 'found', $fiscal);
            self::fail('resolved a queued entry');
        } catch (OutboxException $e) {
            self::assertSame(7019, $e->getCode());
            self::assertSame('resolve', $e->getDetails()['action']);
            self::assertSame('queued', $e->getDetails()['state']);
        }
        $outbox->start();
        $until = microtime(true) + 30;
        while ($outbox->get('rs-1')['state'] !== 'stuck') {
            self::assertLessThan($until, microtime(true), 'not stuck in time');
            usleep(20000);
        }
        $outbox->stop();
        try {
            $outbox->resolve('rs-1', 'anna', 'found', ['total' => '0.01'] + $fiscal);
            self::fail('resolved with another total');
        } catch (ArgumentException $e) {
            self::assertSame(107, $e->getCode());
            self::assertSame('fiscal.total', $e->getPath());
            self::assertStringContainsString('0.01', $e->getMessageEn());
        }
        $e = $outbox->resolve('rs-1', 'Анна', 'нашли в ЛК ОФД', $fiscal);
        self::assertSame('done', $e['state']);
        self::assertSame(4321, $e['fiscal']['fd_number']);
        $audit = $outbox->audit('rs-1');
        $last = end($audit);
        self::assertSame(['operator_resolve', 'Анна', 'нашли в ЛК ОФД'], [$last['reason'], $last['who'], $last['note']]);
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
