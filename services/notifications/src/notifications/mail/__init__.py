"""Notice e-mails: recorded with the notice, delivered afterwards by a background sender with retries."""
