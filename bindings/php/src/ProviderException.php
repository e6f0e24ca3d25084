<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * Result codes 6000–6999: a provider client failed locally, before anything was sent: 6001 the
 * provider cannot carry this receipt (or query), 6002 the receipt is invalid for the provider
 * (violations in {@see getErrors()}), 6003 a setting is missing or wrong (`getPath()` names it),
 * 6004 a malformed message, 6005 TLS setup, 6006 timeout before sending.
 * A provider's answer is never an exception: it is an {@see Outcome}.
 */
class ProviderException extends FiskalException
{
    /**
     * For 6002: the violations, as {@see ValidationException::getErrors()}.
     *
     * @return list<array<string, mixed>>
     */
    public function getErrors(): array
    {
        $details = $this->getDetails();
        return \is_array($details) && \array_is_list($details) ? $details : [];
    }
}
