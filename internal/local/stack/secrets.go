package stack

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/example/serverless-todo/internal/local/intrinsics"
	"github.com/example/serverless-todo/internal/local/samtemplate"
)

// Secret is a secret of the template as it exists here: its local name
// (what its Ref resolves to) and its value.
type Secret struct {
	LogicalID string
	Name      string
	Value     string
}

// secrets resolves the template's secrets that exist with the parameters,
// generating the values that CloudFormation would generate.
func secrets(tpl *samtemplate.Template, res *intrinsics.Resolver, prefix string) ([]Secret, error) {
	defs, err := tpl.Secrets()
	if err != nil {
		return nil, err
	}
	var out []Secret
	for _, d := range defs {
		if d.Condition != "" {
			exists, err := res.Condition(d.Condition)
			if err != nil {
				return nil, fmt.Errorf("stack: secret %s: %w", d.LogicalID, err)
			}
			if !exists {
				continue
			}
		}
		value, err := secretValue(d, res)
		if err != nil {
			return nil, fmt.Errorf("stack: secret %s: %w", d.LogicalID, err)
		}
		out = append(out, Secret{LogicalID: d.LogicalID, Name: prefix + d.LogicalID, Value: value})
	}
	return out, nil
}

func secretValue(d samtemplate.Secret, res *intrinsics.Resolver) (string, error) {
	if d.Generate == nil {
		if d.SecretString == nil {
			return "", errors.New("has neither SecretString nor GenerateSecretString")
		}
		return res.String(d.SecretString)
	}
	g := d.Generate
	password, err := generatePassword(g)
	if err != nil {
		return "", err
	}
	if g.GenerateStringKey == "" {
		return password, nil
	}
	tmpl, err := res.String(g.SecretStringTemplate)
	if err != nil {
		return "", err
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(tmpl), &obj); err != nil {
		return "", fmt.Errorf("SecretStringTemplate is not a JSON object: %w", err)
	}
	obj[g.GenerateStringKey] = password
	b, err := json.Marshal(obj)
	return string(b), err
}

// generatePassword makes a random password as GenerateSecretString
// describes it: PasswordLength characters drawn from the classes it does
// not exclude, at least one of each.
func generatePassword(g *samtemplate.GenerateSecretString) (string, error) {
	var classes []string
	for _, c := range []struct {
		chars   string
		exclude bool
	}{
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ", g.ExcludeUppercase},
		{"abcdefghijklmnopqrstuvwxyz", g.ExcludeLowercase},
		{"0123456789", g.ExcludeNumbers},
		{"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", g.ExcludePunctuation},
		{" ", !g.IncludeSpace},
	} {
		if c.exclude {
			continue
		}
		kept := strings.Map(func(r rune) rune {
			if strings.ContainsRune(g.ExcludeCharacters, r) {
				return -1
			}
			return r
		}, c.chars)
		if kept != "" {
			classes = append(classes, kept)
		}
	}
	if len(classes) == 0 || g.PasswordLength < len(classes) {
		return "", fmt.Errorf("GenerateSecretString leaves no way to make a password of %d characters", g.PasswordLength)
	}
	all := strings.Join(classes, "")
	out := make([]byte, g.PasswordLength)
	for i := range out {
		// The first characters, one of each class; the rest from all.
		from := all
		if i < len(classes) {
			from = classes[i]
		}
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(from))))
		if err != nil {
			return "", err
		}
		out[i] = from[n.Int64()]
	}
	// Shuffle, so that the classes' characters are not always first.
	for i := len(out) - 1; i > 0; i-- {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		j := n.Int64()
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

// CreateSecrets creates each secret in the Secrets Manager at endpoint,
// such as moto_server, or sets its value if it exists.
func CreateSecrets(ctx context.Context, endpoint string, secrets []Secret) error {
	client := secretsmanager.New(secretsmanager.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	})
	for _, s := range secrets {
		_, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(s.Name), SecretString: aws.String(s.Value)})
		var exists *types.ResourceExistsException
		if errors.As(err, &exists) {
			_, err = client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(s.Name), SecretString: aws.String(s.Value)})
		}
		if err != nil {
			// The SDK's error names the secret, never its value.
			return fmt.Errorf("stack: creating secret %s: %w", s.Name, err)
		}
	}
	return nil
}
