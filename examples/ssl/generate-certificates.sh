#!/bin/bash
# Generate a self-signed certificate and key (spec 2.11), for localhost as well as the spec's names.
# Run it in the folder where cert.pem and key.pem should be created.
set -e

openssl req -x509 -newkey rsa:4096 -sha256 -days 3650 -nodes \
  -keyout key.pem -out cert.pem -subj "/CN=example.com" \
  -addext "subjectAltName=DNS:example.com,DNS:www.example.net,DNS:localhost,IP:127.0.0.1,IP:::1"
