package dev.tlsloop;

final class Placeholder {}
