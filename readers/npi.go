package readers

// ValidNPI reports whether s is a valid NPI: exactly 10 ASCII digits whose last digit is the
// Luhn check digit computed over the prefix 80840 followed by the first 9 digits.
func ValidNPI(s string) bool {
	if len(s) != 10 || !allDigits(s) {
		return false
	}
	// Luhn over "80840" + s: from the rightmost digit (the check digit, not doubled), every
	// second digit is doubled. The prefix 80840 contributes the constant 24.
	sum := 24
	for i := 0; i < 10; i++ {
		d := int(s[9-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
