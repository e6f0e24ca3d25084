<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use Fiskal\Receipt;
use Fiskal\TlvException;
use PHPUnit\Framework\TestCase;

/**
 * tests/vectors/tlv (receipt → the same TLV bytes as Rust, and back) and tests/vectors/tlv_errors
 * (malformed bytes → the same kind, offset and tag). README: tests/vectors/README.md.
 */
final class TlvVectorsTest extends TestCase
{
    public static function tlvFiles(): array
    {
        return Support::files('tlv');
    }

    /** @dataProvider tlvFiles */
    public function testReceiptEncodesToTheVectorBytes(string $file): void
    {
        $v = Support::load($file);
        $receipt = Support::loadObject($file)->receipt;   // sent as it stands in the file
        $want = $v['tlv_hex'];

        $o = Receipt::toTlv($receipt);
        self::assertSame(1, $o['version']);
        self::assertSame($want, $o['hex']);
        self::assertSame($v['size'], $o['size']);
        self::assertSame(strlen($want) / 2, $o['size']);
        self::assertSame(base64_encode((string) hex2bin($want)), $o['base64']);
        self::assertSame(hex2bin($want), Receipt::toTlvBytes($receipt));

        // The JSON text as given works the same as the decoded value.
        self::assertSame($want, Receipt::toTlv(json_encode($receipt, JSON_THROW_ON_ERROR))['hex']);

        // Decoding (hex, lower-case hex with spaces, raw bytes) gives a valid receipt that
        // re-encodes to the same bytes.
        $spaced = strtolower(trim(chunk_split($want, 2, ' ')));
        foreach ([Receipt::fromTlv($want), Receipt::fromTlv($spaced), Receipt::fromTlvBytes((string) hex2bin($want))] as $d) {
            self::assertSame(1, $d['version']);
            self::assertTrue($d['valid']);
            self::assertSame([], $d['violations']);
            self::assertSame($v['size'], $d['size']);
            self::assertSame($v['requisites'][0], $d['dump']['tag']);
            self::assertSame($want, Receipt::toTlv($d['receipt'])['hex'], 'decode → encode changed the bytes');
        }

        $validated = Receipt::validate($receipt);
        self::assertSame($v['receipt']['ffd'], $validated['ffd']);
        self::assertSame(1, $validated['version']);
    }

    public static function tlvErrorFiles(): array
    {
        return Support::files('tlv_errors');
    }

    private const KIND_CODES = [
        'truncated_header' => 5001, 'length_past_end' => 5002, 'wrong_width' => 5003,
        'vln_too_wide' => 5004, 'bad_fvln' => 5005, 'too_deep' => 5006, 'trailing_data' => 5007,
    ];

    /** @dataProvider tlvErrorFiles */
    public function testMalformedBytesFailWhereTheVectorSays(string $file): void
    {
        $v = Support::load($file);
        $want = $v['error'];
        foreach (['hex' => fn () => Receipt::fromTlv($v['hex']),
                  'bytes' => fn () => Receipt::fromTlvBytes((string) hex2bin($v['hex']))] as $how => $decode) {
            try {
                $decode();
                self::fail("{$how}: decoded");
            } catch (TlvException $e) {
                $d = $e->getDetails();
                self::assertSame($want['kind'], $d['reason'], $how);
                self::assertSame($want['offset'], $d['offset'], $how);
                self::assertSame($want['tag'], $d['tag'], $how);
                self::assertSame(self::KIND_CODES[$want['kind']], $e->getCode(), $how);
                self::assertSame('tlv_' . $want['kind'], $e->getName(), $how);
                self::assertNotSame('', $e->getMessageRu());
                self::assertNotSame('', $e->getMessageEn());
            }
        }
    }
}
