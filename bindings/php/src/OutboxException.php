<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * Result codes 7000–7999: an outbox operation failed (7001 invalid_key, 7002 key_conflict,
 * 7003 not_found, … 7008 invalid_receipt with the violations, 7012 disk_full, 7014 busy …).
 */
class OutboxException extends FiskalException
{
    /**
     * For 7008 (`invalid_receipt`): the violations, as {@see ValidationException::getErrors()}.
     *
     * @return list<array<string, mixed>>
     */
    public function getErrors(): array
    {
        $details = $this->getDetails();
        return \is_array($details) && \array_is_list($details) ? $details : [];
    }
}
