// Package objects reads, copies and deletes attachments' objects in the
// bucket with the S3 client: what the confirming function checks and
// keeps, and what deleting an attachment, a todo or an account removes.
// Functions that only hand out URLs use package presign instead.
package objects

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/errkind"
)

// ErrNoObject is an object that is not (or no longer) in the bucket.
var ErrNoObject = errors.New("objects: no such object")

// Bucket is the attachments' bucket. Build it once per process with Open.
type Bucket struct {
	client *s3.Client
	name   string
}

// Client is an S3 client for buckets named at run time: the confirming
// function learns its bucket from each event, as its template cannot name
// the bucket to it (the bucket's notification depends on the function).
type Client struct {
	client *s3.Client
}

// Open returns the bucket attachment.EnvBucket names, with Connect's
// client.
func Open(getenv func(string) string) (*Bucket, error) {
	name := getenv(attachment.EnvBucket)
	if name == "" {
		return nil, errors.New("objects: " + attachment.EnvBucket + " is not set")
	}
	c, err := Connect(getenv)
	if err != nil {
		return nil, err
	}
	return c.Bucket(name), nil
}

// Connect returns an S3 client of the function's configuration
// (awsconfig): local S3 through AWS_ENDPOINT_URL_S3, addressed path style
// as local servers want.
func Connect(getenv func(string) string) (*Client, error) {
	cfg, err := awsconfig.Load(getenv)
	if err != nil {
		return nil, err
	}
	endpoint := awsconfig.Endpoint(getenv, "S3")
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	})
	return &Client{client: client}, nil
}

// Bucket returns the bucket name, through c.
func (c *Client) Bucket(name string) *Bucket { return &Bucket{client: c.client, name: name} }

// Peek returns the first n bytes of key (fewer if it is shorter) and its
// whole size, from one ranged GET: Content-Range tells the size.
//
// IAM: s3:GetObject
func (b *Bucket) Peek(ctx context.Context, key string, n int) (head []byte, size int64, err error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(b.name), Key: aws.String(key),
		Range: aws.String("bytes=0-" + strconv.Itoa(n-1)),
	})
	if err != nil {
		return nil, 0, classify(err)
	}
	defer out.Body.Close()
	head, err = io.ReadAll(io.LimitReader(out.Body, int64(n)))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: objects: read %s: %w", errkind.ErrUnavailable, key, err)
	}
	// Content-Range: bytes 0-15/12345
	cr := aws.ToString(out.ContentRange)
	i := strings.LastIndexByte(cr, '/')
	if i < 0 {
		return nil, 0, fmt.Errorf("objects: %s: no size in Content-Range %q", key, cr)
	}
	if size, err = strconv.ParseInt(cr[i+1:], 10, 64); err != nil {
		return nil, 0, fmt.Errorf("objects: %s: Content-Range %q: %w", key, cr, err)
	}
	return head, size, nil
}

// Copy copies the object from to the key to, inside the bucket.
//
// IAM: s3:GetObject, s3:PutObject
func (b *Bucket) Copy(ctx context.Context, from, to string) error {
	_, err := b.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String(b.name), Key: aws.String(to),
		CopySource: aws.String(b.name + "/" + from),
	})
	return classify(err)
}

// Delete deletes the objects of keys, at once: single deletes are free
// requests, where a batch (DeleteObjects) is billed. A key without an
// object is no error, as in S3.
//
// IAM: s3:DeleteObject
func (b *Bucket) Delete(ctx context.Context, keys ...string) error {
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Go(func() {
			_, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
			errs[i] = classify(err)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// DeletePrefix deletes up to limit objects under prefix, a page of the
// listing at a time (a page is 1,000 keys, one batch delete), and
// reports how many it deleted and whether any may be left.
//
// IAM: s3:ListBucket, s3:DeleteObject
func (b *Bucket) DeletePrefix(ctx context.Context, prefix string, limit int) (deleted int, more bool, err error) {
	for deleted < limit {
		page, err := b.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: aws.String(b.name), Prefix: aws.String(prefix),
			MaxKeys: aws.Int32(int32(min(1000, limit-deleted))),
		})
		if err != nil {
			return deleted, true, classify(err)
		}
		if len(page.Contents) == 0 {
			return deleted, false, nil
		}
		ids := make([]types.ObjectIdentifier, len(page.Contents))
		for i, o := range page.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		out, err := b.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(b.name), Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return deleted, true, classify(err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return deleted, true, fmt.Errorf("%w: objects: delete %s: %s %s", errkind.ErrUnavailable, aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
		}
		deleted += len(ids)
		if !aws.ToBool(page.IsTruncated) && deleted < limit {
			return deleted, false, nil
		}
	}
	return deleted, true, nil
}

// classify makes a missing object ErrNoObject and any other failure
// errkind.ErrUnavailable: a retry may fix it.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var noKey *types.NoSuchKey
	var notFound *types.NotFound
	if errors.As(err, &noKey) || errors.As(err, &notFound) {
		return fmt.Errorf("%w: %w", ErrNoObject, err)
	}
	return fmt.Errorf("%w: objects: %w", errkind.ErrUnavailable, err)
}
