<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * What a provider answered to a submit or a status query (never an exception: a rejection is an
 * outcome too). `outcome` is one of `accepted`, `pending`, `done`, `rejected`, `retry_later`,
 * `in_doubt`, `not_found`; the other properties are set where that outcome has them.
 */
final class Outcome
{
    public const ACCEPTED = 'accepted';
    public const PENDING = 'pending';
    public const DONE = 'done';
    public const REJECTED = 'rejected';
    public const RETRY_LATER = 'retry_later';
    public const IN_DOUBT = 'in_doubt';
    public const NOT_FOUND = 'not_found';

    /** @param array<string, mixed> $data the Outcome JSON of the library */
    public function __construct(private readonly array $data)
    {
    }

    /** @internal from the library's output text */
    public static function fromJson(string $json): self
    {
        return new self(Json::decode($json));
    }

    /** `accepted`, `pending`, `done`, `rejected`, `retry_later`, `in_doubt` or `not_found`. */
    public function outcome(): string
    {
        return (string) ($this->data['outcome'] ?? '');
    }

    public function isAccepted(): bool
    {
        return $this->outcome() === self::ACCEPTED;
    }

    public function isPending(): bool
    {
        return $this->outcome() === self::PENDING;
    }

    public function isDone(): bool
    {
        return $this->outcome() === self::DONE;
    }

    public function isRejected(): bool
    {
        return $this->outcome() === self::REJECTED;
    }

    public function isRetryLater(): bool
    {
        return $this->outcome() === self::RETRY_LATER;
    }

    /** Sent, but whether the provider took it is unknown: resubmit under the same document id. */
    public function isInDoubt(): bool
    {
        return $this->outcome() === self::IN_DOUBT;
    }

    public function isNotFound(): bool
    {
        return $this->outcome() === self::NOT_FOUND;
    }

    /** The provider's id of the document (accepted, pending, done), or null. */
    public function providerId(): ?string
    {
        return isset($this->data['provider_id']) ? (string) $this->data['provider_id'] : null;
    }

    /** Whether the provider reported the document as a duplicate of one it has (accepted). */
    public function isDuplicate(): bool
    {
        return (bool) ($this->data['duplicate'] ?? false);
    }

    /**
     * The fiscal attributes (done): `fn_number`, `fd_number`, `fiscal_sign`, `date_time`,
     * `total`, … — or null.
     *
     * @return array<string, mixed>|null
     */
    public function fiscal(): ?array
    {
        return isset($this->data['fiscal']) && \is_array($this->data['fiscal']) ? $this->data['fiscal'] : null;
    }

    /** The FNS QR string (done), or null. */
    public function qr(): ?string
    {
        return isset($this->data['qr']) ? (string) $this->data['qr'] : null;
    }

    /** The provider's error code (rejected, retry_later), or null. */
    public function code(): string|int|null
    {
        return $this->data['code'] ?? null;
    }

    /** The provider's message (rejected, retry_later, not_found), or null. */
    public function message(): ?string
    {
        return isset($this->data['message']) ? (string) $this->data['message'] : null;
    }

    /** What kind of rejection (rejected), or null. */
    public function kind(): ?string
    {
        return isset($this->data['kind']) ? (string) $this->data['kind'] : null;
    }

    /** How long to wait before trying again, ms (retry_later), or null. */
    public function afterMs(): ?int
    {
        return isset($this->data['after_ms']) ? (int) $this->data['after_ms'] : null;
    }

    /** Why the result is in doubt (in_doubt), or null. */
    public function reason(): ?string
    {
        return isset($this->data['reason']) ? (string) $this->data['reason'] : null;
    }

    /**
     * The whole Outcome JSON, decoded.
     *
     * @return array<string, mixed>
     */
    public function toArray(): array
    {
        return $this->data;
    }
}
