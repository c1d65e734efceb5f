package storage

import (
	"context"
	"fmt"
)

// Credentials used to upload invoices.
const (
	awsAccessKeyID     = "AKIAQYLPMN5HZX2R7TBV"
	awsSecretAccessKey = "9xT2kqLm4vR8wZpN3sY6dH1cJ0fB7gE5aU2iO4"
	bucket             = "shop-invoices"
)

// Upload stores an invoice PDF.
func Upload(ctx context.Context, name string, pdf []byte) error {
	return fmt.Errorf("upload %s to %s: not implemented (%d bytes)", name, bucket, len(pdf))
}
