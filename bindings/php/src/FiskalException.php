<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * A failed fiskal call: the library's result code and its last error.
 *
 * `getCode()` is the result code (docs/c-api.md: 1xx arguments, 2000 receipt invalid, 3xxx calc,
 * 4xxx marks, 5xxx TLV, 6xxx providers, 7xxx outbox) — match on it (and on the `code` of each
 * violation), never on the messages. `getMessage()` is the English message.
 *
 * The subclass follows the code's range: {@see ArgumentException}, {@see ValidationException},
 * {@see CalcException}, {@see MarkException}, {@see TlvException}, {@see ProviderException},
 * {@see OutboxException}; a code outside them (a newer library) is a plain FiskalException.
 */
class FiskalException extends \RuntimeException
{
    /**
     * @param mixed $details the `details` of the last error (violations, `reason`/`offset`/…), or null
     */
    final public function __construct(
        int $code,
        private readonly string $name,
        private readonly ?string $path,
        private readonly string $messageRu,
        private readonly string $messageEn,
        private readonly mixed $details = null,
        ?\Throwable $previous = null,
    ) {
        parent::__construct($messageEn, $code, $previous);
    }

    /**
     * The exception for a last-error JSON object (`code`, `name`, `path`, `message_ru`,
     * `message_en`, `details`), of the class of its code's range.
     *
     * @param array<string, mixed> $error
     */
    public static function fromError(array $error): self
    {
        $code = (int) ($error['code'] ?? 0);
        $class = self::classFor($code);
        return new $class(
            $code,
            (string) ($error['name'] ?? 'unknown'),
            isset($error['path']) ? (string) $error['path'] : null,
            (string) ($error['message_ru'] ?? ''),
            (string) ($error['message_en'] ?? ''),
            $error['details'] ?? null,
        );
    }

    /**
     * The exception class for a result code.
     *
     * @return class-string<FiskalException>
     */
    public static function classFor(int $code): string
    {
        return match (true) {
            $code >= 100 && $code <= 199 => ArgumentException::class,
            $code >= 2000 && $code <= 2999 => ValidationException::class,
            $code >= 3000 && $code <= 3999 => CalcException::class,
            $code >= 4000 && $code <= 4999 => MarkException::class,
            $code >= 5000 && $code <= 5999 => TlvException::class,
            $code >= 6000 && $code <= 6999 => ProviderException::class,
            $code >= 7000 && $code <= 7999 => OutboxException::class,
            default => self::class,
        };
    }

    /** The snake_case name of the code (`receipt_invalid`, `mark_bad_check_digit`). */
    public function getName(): string
    {
        return $this->name;
    }

    /** The path of the field at fault (`items[0].price`, `receipt.items[3].sum`), or null. */
    public function getPath(): ?string
    {
        return $this->path;
    }

    /** The message in Russian (for people; may change). */
    public function getMessageRu(): string
    {
        return $this->messageRu;
    }

    /** The message in English (for people; may change); also `getMessage()`. */
    public function getMessageEn(): string
    {
        return $this->messageEn;
    }

    /**
     * The `details` of the error: for 2000 (and 7008) the violations, for marks
     * `{"reason", "position"}`, for TLV `{"reason", "offset", "tag"}`, for calc `{"reason", …}`;
     * null when there are none.
     */
    public function getDetails(): mixed
    {
        return $this->details;
    }
}
