package samtemplate

import "fmt"

// Secret is an AWS::SecretsManager::Secret of the template. Its value is
// either SecretString, or what GenerateSecretString makes; both may hold
// intrinsic functions, left for the caller to resolve.
type Secret struct {
	LogicalID string
	// Condition is the condition the secret exists under, "" for always.
	Condition string
	// SecretString is the value as written, nil when it is generated.
	SecretString any
	// Generate says how to make the value, nil when it is given.
	Generate *GenerateSecretString
}

// GenerateSecretString is how CloudFormation makes a secret's value: a
// random password, alone or as the GenerateStringKey member of the JSON
// object SecretStringTemplate.
type GenerateSecretString struct {
	SecretStringTemplate any
	GenerateStringKey    string
	// PasswordLength is 32 when the template leaves it out.
	PasswordLength int
	// ExcludeCharacters, and the classes of characters to leave out;
	// IncludeSpace adds the space.
	ExcludeCharacters                                                      string
	ExcludePunctuation, ExcludeUppercase, ExcludeLowercase, ExcludeNumbers bool
	IncludeSpace                                                           bool
}

// Secrets returns the template's secrets.
func (t *Template) Secrets() ([]Secret, error) {
	var out []Secret
	for _, id := range t.ids(TypeSecret) {
		s, err := secret(id, t.Resources[id])
		if err != nil {
			return nil, fmt.Errorf("samtemplate: secret %s: %w", id, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func secret(id string, r Resource) (Secret, error) {
	p := r.Properties
	s := Secret{LogicalID: id, Condition: r.Condition, SecretString: p["SecretString"]}
	_, hasGenerate := p["GenerateSecretString"]
	switch {
	case hasGenerate && s.SecretString != nil:
		return Secret{}, fmt.Errorf("has both SecretString and GenerateSecretString")
	case !hasGenerate:
		return s, nil
	}
	gm, err := mapProp(p, "GenerateSecretString")
	if err != nil {
		return Secret{}, err
	}
	gen := &GenerateSecretString{SecretStringTemplate: gm["SecretStringTemplate"]}
	if gen.GenerateStringKey, err = stringProp(gm, "GenerateStringKey"); err != nil {
		return Secret{}, err
	}
	if (gen.GenerateStringKey == "") != (gen.SecretStringTemplate == nil) {
		return Secret{}, fmt.Errorf("GenerateSecretString needs both SecretStringTemplate and GenerateStringKey, or neither")
	}
	if gen.PasswordLength, err = intProp(gm, "PasswordLength"); err != nil {
		return Secret{}, err
	}
	if gen.PasswordLength == 0 {
		gen.PasswordLength = 32
	}
	if gen.ExcludeCharacters, err = stringProp(gm, "ExcludeCharacters"); err != nil {
		return Secret{}, err
	}
	for name, dst := range map[string]*bool{
		"ExcludePunctuation": &gen.ExcludePunctuation, "ExcludeUppercase": &gen.ExcludeUppercase,
		"ExcludeLowercase": &gen.ExcludeLowercase, "ExcludeNumbers": &gen.ExcludeNumbers, "IncludeSpace": &gen.IncludeSpace,
	} {
		switch v := gm[name].(type) {
		case nil:
		case bool:
			*dst = v
		case string:
			*dst = v == "true"
		default:
			return Secret{}, fmt.Errorf("GenerateSecretString.%s must be true or false", name)
		}
	}
	s.Generate = gen
	return s, nil
}
