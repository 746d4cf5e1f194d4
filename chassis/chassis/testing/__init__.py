"""Test support shared by every service: pytest plugins for eventlet, PostgreSQL and RabbitMQ."""
