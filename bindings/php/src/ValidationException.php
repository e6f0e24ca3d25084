<?php

declare(strict_types=1);

namespace Fiskal;

/**
 * Result code 2000 (`receipt_invalid`): the receipt breaks FFD rules. `getErrors()` lists every
 * violation, in the library's order.
 */
class ValidationException extends FiskalException
{
    /**
     * Every violation: `['code' => 2007, 'name' => 'inn_check_digit', 'path' => 'company.inn',
     * 'message_ru' => '…', 'message_en' => '…']`.
     *
     * @return list<array{code: int, name: string, path: string, message_ru: string, message_en: string}>
     */
    public function getErrors(): array
    {
        $details = $this->getDetails();
        return \is_array($details) ? \array_values($details) : [];
    }
}
