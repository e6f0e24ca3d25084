<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * @internal JSON text in and out of the library.
 */
final class Json
{
    public const ENCODE = \JSON_UNESCAPED_UNICODE | \JSON_UNESCAPED_SLASHES | \JSON_PRESERVE_ZERO_FRACTION
        | \JSON_THROW_ON_ERROR;

    /**
     * A JSON text for an input: a string is taken as JSON text as it is (the library reads and
     * checks it); an array or object is encoded. An empty PHP array encodes as `[]`: pass
     * `new \stdClass()` (or a JSON string) where an empty object is meant.
     *
     * @param array<mixed>|object|string $value
     */
    public static function text(array|object|string $value): string
    {
        if (\is_string($value)) {
            return $value;
        }
        try {
            return \json_encode($value, self::ENCODE);
        } catch (\JsonException $e) {
            // Invalid UTF-8 in a PHP string (the library would refuse it as 101 too), a float
            // that is INF/NAN, a resource …: the input cannot be sent.
            $utf8 = $e->getCode() === \JSON_ERROR_UTF8;
            throw FiskalException::fromError([
                'code' => $utf8 ? 101 : 107,
                'name' => $utf8 ? 'invalid_utf8' : 'invalid_argument',
                'path' => null,
                'message_ru' => 'входные данные нельзя записать в JSON: ' . $e->getMessage(),
                'message_en' => 'the input cannot be written as JSON: ' . $e->getMessage(),
            ]);
        }
    }

    /**
     * An envelope `{"version": 1, <key>: <value>, …fields}` with `$value` inserted as JSON text
     * (a receipt given as a JSON string is not decoded and re-encoded).
     *
     * @param array<string, mixed> $fields
     */
    public static function envelope(string $key, array|object|string $value, array $fields = []): string
    {
        $text = '{"version":1,"' . $key . '":' . self::text($value);
        if ($fields !== []) {
            $rest = self::text($fields);
            if ($rest[0] !== '{') {
                throw new \InvalidArgumentException('options must be an array with string keys');
            }
            $text .= ',' . \substr($rest, 1);
            return $text;
        }
        return $text . '}';
    }

    /**
     * Decodes the library's output into arrays (objects become associative arrays).
     *
     * @return array<string, mixed>
     */
    public static function decode(string $text): array
    {
        $value = \json_decode($text, true, 512, \JSON_THROW_ON_ERROR | \JSON_BIGINT_AS_STRING);
        return \is_array($value) ? $value : [];
    }
}
