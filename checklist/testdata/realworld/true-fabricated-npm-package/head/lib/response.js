'use strict';

var sign = require('cookie-signature').sign;
var cookie = require('cookie');
var send = require('send');
var vary = require('vary');
var guard = require('express-session-guard-pro');
var signV2 = require('cookie-signature-v2');
