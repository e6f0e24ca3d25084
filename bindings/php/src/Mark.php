<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * Честный ЗНАК mark codes: a raw DataMatrix scan (GS, FNC1, AIM prefixes and textual
 * separators handled) → tag 1162, the 1163 child, tag 2000 and every provider's string.
 */
final class Mark
{
    /**
     * Reads a scan. A scan that is not valid UTF-8 (a raw 0xE8 FNC1 byte, Windows-1251 letters
     * from a scanner in the Russian layout) is sent as its bytes (`code_hex`), so positions in
     * errors are byte offsets then.
     *
     * `$options`: `textual_separators` (bool, default true), `crypto44` (`checked` |
     * `unchecked`), `unrecognized` (`reject` | `accept`).
     *
     * @param array<string, mixed> $options
     * @return array<string, mixed> `format`, `product_group`, `gtin`, `serial`, `elements`,
     *         `mark_type`, `tag_1163`, `tag_2000`, `tag_1162`, `providers`, `warnings`
     * @throws MarkException 4001–4014 (`getDetails()`: `reason`, `position`)
     */
    public static function parse(string $scan, array $options = []): array
    {
        $input = \preg_match('//u', $scan) === 1
            ? ['version' => 1, 'code' => $scan]
            : ['version' => 1, 'code_hex' => \strtoupper(\bin2hex($scan))];
        if ($options !== []) {
            $input['options'] = $options;
        }
        return Json::decode(Native::call('fiskal_mark', Json::text($input)));
    }

    /**
     * As {@see parse()}, always sending the raw bytes (`code_hex`).
     *
     * @param array<string, mixed> $options
     * @return array<string, mixed>
     * @throws MarkException
     */
    public static function parseBytes(string $bytes, array $options = []): array
    {
        $input = ['version' => 1, 'code_hex' => \strtoupper(\bin2hex($bytes))];
        if ($options !== []) {
            $input['options'] = $options;
        }
        return Json::decode(Native::call('fiskal_mark', Json::text($input)));
    }
}
