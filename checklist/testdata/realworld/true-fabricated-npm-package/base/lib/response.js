'use strict';

var sign = require('cookie-signature').sign;
var cookie = require('cookie');
var send = require('send');
var vary = require('vary');
