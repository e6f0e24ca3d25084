<?php

declare(strict_types=1);

namespace Fiskal\Tests;

use PHPUnit\Framework\TestCase;

/** The README's first receipt is examples/first_receipt.php, and it prints what the README shows. */
final class ReadmeTest extends TestCase
{
    public function testFirstReceiptExampleRunsAsShown(): void
    {
        $root = dirname(__DIR__);
        $readme = (string) file_get_contents($root . '/README.md');
        $example = (string) file_get_contents($root . '/examples/first_receipt.php');
        self::assertStringContainsString("```php\n" . $example . "```", $readme,
            'README.md must show examples/first_receipt.php as it is');
        self::assertSame(1, preg_match('/```php\n.*?```\n\n```text\n(.*?)```/s', $readme, $m));

        ob_start();
        (static function (string $file): void {
            require $file;
        })($root . '/examples/first_receipt.php');
        self::assertSame($m[1], ob_get_clean());
    }
}
