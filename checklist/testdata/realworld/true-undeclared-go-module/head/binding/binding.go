package binding

import "github.com/go-playground/validator/v10"

var _ validator.FieldLevel
