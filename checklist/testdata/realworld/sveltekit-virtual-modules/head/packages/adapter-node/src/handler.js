import fs from 'node:fs';
import path, { extname } from 'node:path';
import process from 'node:process';
import sirv from 'sirv';
import { parse as polka_url_parser } from '@polka/url';
import { getRequest, setResponse, createReadableStream } from '@sveltejs/kit/node';
import { Server } from 'SERVER';
import { manifest, prerendered, base, uncompressed_extensions } from 'MANIFEST';
