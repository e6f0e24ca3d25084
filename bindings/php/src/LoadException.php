<?php

declare(strict_types=1);

namespace Fiskal;

/** The library or its header cannot be found or loaded (not a fiskal result code). */
final class LoadException extends \RuntimeException
{
}
