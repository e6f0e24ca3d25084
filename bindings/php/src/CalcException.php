<?php

declare(strict_types=1);

namespace Fiskal;

/** Result codes 3000–3999: a calculation (pricing, discount allocation, splitting) cannot be done; `getDetails()['reason']` is fiskal-calc's own code. */
class CalcException extends FiskalException
{
}
