import { Module, type DynamicModule } from '@nestjs/common';
import type { ExampleService } from '@jwt/example-support';
import { JwtAuthModule } from '@jwt/nest';
import { AppController, EXAMPLE_SERVICE } from './app.controller.js';

@Module({})
export class AppModule {
  /** The service is built before Nest starts (it hashes passwords and loads keys), then handed in. */
  static register(service: ExampleService): DynamicModule {
    return {
      module: AppModule,
      imports: [JwtAuthModule.forRoot({ ...service.auth, globalGuard: true })],
      controllers: [AppController],
      providers: [{ provide: EXAMPLE_SERVICE, useValue: service }],
    };
  }
}
